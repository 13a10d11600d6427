// Starts Swagger UI on /schema from a static file (the CSP allows no inline script). The page
// names the spec URL and the CSRF cookie/header in data attributes of #swagger-container.
(function () {
  const box = document.getElementById("swagger-container");
  const cookieName = box.dataset.csrfCookie;
  const header = box.dataset.csrfHeader;
  const cookie = (name) => {
    const hit = document.cookie.split("; ").find((c) => c.startsWith(`${name}=`));
    return hit ? decodeURIComponent(hit.slice(name.length + 1)) : undefined;
  };
  const ui = window.SwaggerUIBundle({
    url: box.dataset.specUrl,
    dom_id: "#swagger-container",
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    presets: [window.SwaggerUIBundle.presets.apis, window.SwaggerUIBundle.SwaggerUIStandalonePreset],
    requestInterceptor: (request) => {
      const token = cookieName ? cookie(cookieName) : undefined;
      if (token !== undefined && header) request.headers[header] = token;
      return request;
    },
  });
  ui.initOAuth(JSON.parse(document.getElementById("swagger-oauth").textContent || "{}"));
})();
