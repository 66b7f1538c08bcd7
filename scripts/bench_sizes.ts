/**
 * Binary sizes for `deno task bench`: read from `dist/manifest.json` when a
 * build is there, else measured by an offline build of the host target into a
 * temporary folder.
 *
 * @module
 */
import { BuildManifest, buildRelease, REPO_ROOT } from "./build.ts";

/** The size of one binary. */
export interface BinarySize {
  /** `alfred` or `alfred-<codename>`. */
  binary: string;
  /** The target triple. */
  target: string;
  /** Bytes. */
  size: number;
  /** Built with `--bundle --minify --exclude-unused-npm`. */
  bundle: boolean;
}

/**
 * Each binary's size.
 *
 * @param options `dist` reads that folder's manifest (default `<repo>/dist`);
 *   `fresh` always builds; `bundle: false` measures an unbundled build.
 * @returns Sizes, one per built binary.
 */
export async function binarySizes(
  options: { dist?: string; fresh?: boolean; bundle?: boolean } = {},
): Promise<BinarySize[]> {
  const dist = options.dist ?? `${REPO_ROOT}/dist`;
  if (!options.fresh) {
    let text: string | undefined;
    try {
      text = await Deno.readTextFile(`${dist}/manifest.json`);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
    if (text !== undefined) {
      const manifest = BuildManifest.parse(JSON.parse(text));
      if (options.bundle === undefined || manifest.bundle === options.bundle) {
        return manifest.binaries.map(({ binary, target, size }) => ({
          binary,
          target,
          size,
          bundle: manifest.bundle,
        }));
      }
    }
  }
  const outDir = await Deno.makeTempDir({ prefix: "alfred-sizes-" });
  try {
    const manifest = await buildRelease({
      outDir,
      offline: true,
      archive: false,
      bundle: options.bundle ?? true,
      log: () => {},
    });
    return manifest.binaries.map(({ binary, target, size }) => ({
      binary,
      target,
      size,
      bundle: manifest.bundle,
    }));
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
}

if (import.meta.main) {
  const compare = Deno.args.includes("--compare");
  const rows = await binarySizes({ fresh: compare || Deno.args.includes("--fresh") });
  const before = compare ? await binarySizes({ fresh: true, bundle: false }) : [];
  for (const row of rows) {
    const plain = before.find((other) => other.binary === row.binary);
    console.log(
      `${row.binary}\t${row.target}\t${(row.size / 1048576).toFixed(1)} MiB` +
        (plain ? `\t(unbundled ${(plain.size / 1048576).toFixed(1)} MiB)` : ""),
    );
  }
}
