// Types for serve.mjs (plain Node so the demo can run it without a build).
export interface ServeOptions {
  /** Folder to serve. Default: this package's dist/. */
  root?: string;
  /** Port to listen on; 0 picks a free one. Default 4173. */
  port?: number;
  /** Bind address. Default 127.0.0.1. */
  host?: string;
  /** http:// base URLs the /s1 and /s2 prefixes map to. */
  upstreams: { s1: string; s2: string };
}
export interface ServedDashboard {
  url: string;
  port: number;
  close(): Promise<void>;
}
export function serveDashboard(options: ServeOptions): Promise<ServedDashboard>;
