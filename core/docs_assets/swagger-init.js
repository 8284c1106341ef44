// Starts Swagger UI on the API docs page (core/docs.py). A file of its own, not an inline
// script, so that the page's Content-Security-Policy can refuse every inline script.
"use strict";
(function () {
  var container = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: container.dataset.openapiUrl,
    dom_id: "#swagger-ui",
    oauth2RedirectUrl: new URL(container.dataset.oauth2RedirectUrl, window.location.href).href,
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    // Swagger UI would fetch a badge from its public validator: out of reach on closed networks.
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
  });
})();
