/** What the app's middleware puts on the context, and what the runtime may hand in. */
export interface AppEnv {
  Variables: {
    requestId: string;
    /** Which configured API key the caller used ("key0", ...), when one was required. */
    apiKeyId?: string;
  };
  Bindings: {
    /** The client's address, when the runtime knows it (src/server.ts passes Bun's). */
    ip?: string;
  };
}
