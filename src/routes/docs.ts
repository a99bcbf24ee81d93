import { Hono } from "hono";

/** Reads one Swagger UI asset by file name; null when it does not exist. */
export type DocsAssetLoader = (file: string) => Promise<Uint8Array | null>;

const ASSETS: Record<string, string> = {
  "swagger-ui.css": "text/css; charset=utf-8",
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
  "favicon-32x32.png": "image/png",
};

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Pipeline Service API</title>
<link rel="stylesheet" href="/docs/swagger-ui.css">
<link rel="icon" type="image/png" href="/docs/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body>
</html>
`;

// A separate file rather than an inline script, so a strict CSP (script-src 'self') still works.
const INIT = `window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true, persistAuthorization: true });\n`;

/**
 * Swagger UI served entirely by this service: intranet deployments have no CDN to fetch from.
 * The assets come through `loadAsset` so the app itself stays free of file-system access.
 */
export function docsRoutes(loadAsset: DocsAssetLoader | undefined) {
  return new Hono()
    .get("/docs", (c) => c.html(PAGE))
    .get("/docs/init.js", (c) => c.body(INIT, 200, { "content-type": "text/javascript; charset=utf-8" }))
    .get("/docs/:file", async (c) => {
      const file = c.req.param("file");
      const type = ASSETS[file];
      const bytes = type && loadAsset ? await loadAsset(file) : null;
      if (!type || !bytes) return c.notFound();
      return c.body(bytes as Uint8Array<ArrayBuffer>, 200, { "content-type": type, "cache-control": "public, max-age=86400" });
    });
}
