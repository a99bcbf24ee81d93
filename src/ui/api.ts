import { hc } from "hono/client";
import type { AppType } from "../app.ts";
import { askForKey } from "./key-prompt.ts";

const KEY_STORAGE = "pipeline-service.api-key";

export const storedKey = () => sessionStorage.getItem(KEY_STORAGE);

/** fetch with the session's API key; a 401 asks for a key (once) and retries with it. */
export async function apiFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  for (;;) {
    const key = storedKey();
    const headers = new Headers(init?.headers);
    if (key) headers.set("authorization", `Bearer ${key}`);
    const res = await fetch(input, { ...init, headers });
    if (res.status !== 401) return res;
    const next = await askForKey(key ? "The key was not accepted; try another." : "This service needs an API key to read runs.");
    if (next === null) return res;
    sessionStorage.setItem(KEY_STORAGE, next);
  }
}

/** The page is a client like any other: the typed client of the service's own routes. */
export const api = hc<AppType>(location.origin, { fetch: apiFetch });

/** Query parameters as the API takes them: repeated keys for any-of labels. */
export type Query = Record<string, string | string[]>;

export function toQuery(params: URLSearchParams, keep: readonly string[]): Query {
  const query: Query = {};
  for (const name of keep) {
    const values = params.getAll(name).filter((v) => v !== "");
    if (values.length) query[name] = values.length === 1 ? (values[0] as string) : values;
  }
  return query;
}

/** The body of a successful answer, or an Error with the problem+json detail. */
export async function okJson<T>(res: { ok: boolean; status: number; statusText: string; json(): Promise<unknown> }): Promise<T> {
  if (res.ok) return (await res.json()) as T;
  let detail = `${res.status} ${res.statusText}`;
  try {
    const problem = (await res.json()) as { detail?: string; title?: string; errors?: Array<{ field?: string; message?: string }> };
    const fields = problem.errors?.map((e) => `${e.field}: ${e.message}`).join("; ");
    detail = [problem.detail ?? problem.title, fields].filter(Boolean).join(" – ") || detail;
  } catch {}
  throw new Error(detail);
}

/** Downloads an export: a plain link streams it; with a key the body is fetched with the key
 * first (a link cannot carry a header). */
export async function download(url: string, fileName: string): Promise<void> {
  const a = document.createElement("a");
  a.download = fileName;
  if (storedKey()) {
    const res = await apiFetch(url);
    if (!res.ok) await okJson(res);
    a.href = URL.createObjectURL(await res.blob());
    setTimeout(() => URL.revokeObjectURL(a.href), 60_000);
  } else {
    a.href = url;
  }
  document.body.append(a);
  a.click();
  a.remove();
}
