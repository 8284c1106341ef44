"""The bench acts as the province administrator: each service it starts makes this API token at
its first start (`bootstrap_token`)."""

BENCH_TOKEN = "hoso_00000000be4c_" + "7a" * 32
BENCH_HEADERS = {"Authorization": f"Bearer {BENCH_TOKEN}"}
