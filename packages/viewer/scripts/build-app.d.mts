/** Bundles the viewer page into `outdir` (default dist/app); `source` reads sibling packages from src. */
export function buildApp(options?: { outdir?: string; source?: boolean; minify?: boolean }): Promise<{ outdir: string; files: Record<string, number>; totalBytes: number }>;
