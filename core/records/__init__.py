"""Work records (hồ sơ công việc): the annual record list, records, filing, closing, handover."""
