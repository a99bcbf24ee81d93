import { SwaggerUI } from "@hono/swagger-ui";
import { Hono } from "hono";
import { contentSecurityPolicy } from "../http/security-headers.ts";
import { sha256 } from "../http/sha256.ts";

/** Reads one Swagger UI asset by file name; null when it does not exist. */
export type DocsAssetLoader = (file: string) => Promise<Uint8Array | null>;

const ASSETS: Record<string, string> = {
  "swagger-ui.css": "text/css; charset=utf-8",
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
  "favicon-32x32.png": "image/png",
};

/** SwaggerUI links its assets at `${baseUrl}/swagger-ui-dist/<file>`: here, paths of this service. */
const ASSET_BASE = "/docs/assets";
const ASSET_DIR = `${ASSET_BASE}/swagger-ui-dist`;

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Pipeline Service API</title>
<link rel="icon" type="image/png" href="${ASSET_DIR}/favicon-32x32.png">
</head>
<body>
${SwaggerUI({ url: "/openapi.json", baseUrl: ASSET_BASE, deepLinking: true, persistAuthorization: true })}
</body>
</html>
`;

/**
 * The page's one inline script (SwaggerUI's init) is allowed by its hash rather than by
 * 'unsafe-inline': the page is fixed, so the hash is too, and every other script stays refused.
 */
const INLINE_SCRIPTS = [...PAGE.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1] as string);
let pagePolicy: Promise<string> | undefined;
const policyForPage = () => {
  pagePolicy ??= Promise.all(INLINE_SCRIPTS.map(async (s) => `'sha256-${btoa(String.fromCharCode(...(await sha256(s))))}'`)).then((hashes) =>
    contentSecurityPolicy({ scriptSrc: hashes }),
  );
  return pagePolicy;
};

/**
 * Swagger UI (@hono/swagger-ui) served entirely by this service: intranet deployments have no
 * CDN to fetch from. The assets come through `loadAsset` so the app itself stays free of
 * file-system access.
 */
export function docsRoutes(loadAsset: DocsAssetLoader | undefined) {
  return new Hono()
    .get("/docs", async (c) => c.html(PAGE, 200, { "content-security-policy": await policyForPage() }))
    .get(`${ASSET_DIR}/:file`, async (c) => {
      const file = c.req.param("file");
      const type = ASSETS[file];
      const bytes = type && loadAsset ? await loadAsset(file) : null;
      if (!type || !bytes) return c.notFound();
      return c.body(bytes as Uint8Array<ArrayBuffer>, 200, { "content-type": type, "cache-control": "public, max-age=86400" });
    });
}
