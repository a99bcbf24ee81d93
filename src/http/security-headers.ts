import { secureHeaders } from "hono/secure-headers";

/**
 * Security headers on every response. The CSP allows only this origin's scripts and styles, which
 * is all /docs needs since the Swagger UI assets are served locally ('unsafe-inline' styles: the
 * UI sets style attributes). HSTS is left to the TLS-terminating proxy in front of the service.
 */
export const securityHeaders = secureHeaders({
  contentSecurityPolicy: {
    defaultSrc: ["'none'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'", "'unsafe-inline'"],
    imgSrc: ["'self'", "data:"],
    connectSrc: ["'self'"],
    fontSrc: ["'self'"],
    baseUri: ["'none'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
  },
  xFrameOptions: "DENY",
  strictTransportSecurity: false,
  crossOriginResourcePolicy: false,
});
