const encoder = new TextEncoder();

/** SHA-256 of a text's UTF-8 bytes (Web Crypto: the same on every runtime the app runs on). */
export async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(text)));
}

/** The same, as lowercase hex. */
export async function sha256Hex(text: string): Promise<string> {
  return Array.from(await sha256(text), (b) => b.toString(16).padStart(2, "0")).join("");
}
