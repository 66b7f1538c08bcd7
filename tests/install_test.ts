/**
 * scripts/install.sh against a loopback HTTP server serving a fake release:
 * it installs and runs `alfred init` and `alfred doctor`, and refuses to
 * install when the checksum does not match.
 */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "./support/assert.ts";
import { sha256Hex, writeArchive } from "../scripts/build.ts";

const SCRIPT = new URL("../scripts/install.sh", import.meta.url).pathname;

/** The target install.sh computes from `uname` on this host. */
function hostTarget(): string {
  const arch = Deno.build.arch;
  return Deno.build.os === "darwin" ? `${arch}-apple-darwin` : `${arch}-unknown-linux-gnu`;
}

interface FakeRelease extends AsyncDisposable {
  dir: string;
  baseUrl: string;
  requests: string[];
}

async function fakeRelease(options: { corruptSums?: boolean }): Promise<FakeRelease> {
  const dir = await Deno.makeTempDir({ prefix: "alfred-install-" });
  const target = hostTarget();
  await Deno.mkdir(`${dir}/release/${target}`, { recursive: true });
  for (const name of ["alfred", "alfred-echo"]) {
    // A fake binary that records how it was invoked.
    await Deno.writeTextFile(
      `${dir}/release/${target}/${name}`,
      `#!/bin/sh\necho "${name} $*" >> "$ALFRED_INSTALL_LOG"\necho "fake ${name} $*"\n`,
      { mode: 0o755 },
    );
  }
  const archive = await writeArchive(`${dir}/release`, target, ["alfred", "alfred-echo"]);
  const sum = options.corruptSums
    ? await sha256Hex(new TextEncoder().encode("other"))
    : archive.sha256;
  const files: Record<string, Uint8Array<ArrayBuffer>> = {
    [`/${archive.file}`]: await Deno.readFile(`${dir}/release/${archive.file}`),
    "/SHA256SUMS": new TextEncoder().encode(`${sum}  ${archive.file}\n`),
  };
  const requests: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (request) => {
    const path = new URL(request.url).pathname;
    requests.push(path);
    const body = files[path];
    return body ? new Response(body) : new Response("not found", { status: 404 });
  });
  return {
    dir,
    baseUrl: `http://127.0.0.1:${server.addr.port}`,
    requests,
    async [Symbol.asyncDispose]() {
      await server.shutdown();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

async function install(release: FakeRelease, extra: string[] = []) {
  const output = await new Deno.Command("sh", {
    args: [SCRIPT, "--base-url", release.baseUrl, "--prefix", `${release.dir}/bin`, ...extra],
    clearEnv: true,
    env: {
      HOME: release.dir,
      PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
      ALFRED_INSTALL_LOG: `${release.dir}/invocations.log`,
    },
    stdin: "null",
  }).output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: output.code, stdout: decode(output.stdout), stderr: decode(output.stderr) };
}

Deno.test("install.sh downloads, verifies, installs, then runs alfred init and alfred doctor", async () => {
  await using release = await fakeRelease({});
  const result = await install(release);
  assertEquals(result.code, 0, result.stderr);
  assertStringIncludes(result.stdout, `alfred-${hostTarget()}.tar.gz`);
  assertMatch(result.stdout, /Checksum OK \([0-9a-f]{64}\)/);
  for (const name of ["alfred", "alfred-echo"]) {
    const info = await Deno.stat(`${release.dir}/bin/${name}`);
    assert(info.isFile && (info.mode! & 0o111) !== 0, `${name} is installed and executable`);
  }
  assertEquals(
    await Deno.readTextFile(`${release.dir}/invocations.log`),
    "alfred init\nalfred doctor\n",
  );
  assertEquals(release.requests, [`/alfred-${hostTarget()}.tar.gz`, "/SHA256SUMS"]);
});

Deno.test("install.sh refuses to install when the checksum does not match", async () => {
  await using release = await fakeRelease({ corruptSums: true });
  const result = await install(release);
  console.log(result.stderr.trim());
  assertEquals(result.code, 1);
  assertMatch(
    result.stderr,
    /checksum mismatch for alfred-.*\.tar\.gz: expected [0-9a-f]{64}, got [0-9a-f]{64}; refusing to install/,
  );
  assertStringIncludes(result.stderr, "nothing was installed");
  let installed = true;
  try {
    await Deno.stat(`${release.dir}/bin/alfred`);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    installed = false;
  }
  assertEquals(installed, false);
  let ran = true;
  try {
    await Deno.stat(`${release.dir}/invocations.log`);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    ran = false;
  }
  assertEquals(ran, false, "no binary was run");
});

Deno.test("install.sh says what is wrong with an unknown option and a missing release", async () => {
  await using release = await fakeRelease({});
  const bad = await install(release, ["--bogus"]);
  assertEquals(bad.code, 1);
  assertStringIncludes(bad.stderr, "unknown option: --bogus");
  const missing = await new Deno.Command("sh", {
    args: [SCRIPT, "--base-url", `${release.baseUrl}/nope`, "--prefix", `${release.dir}/bin`],
    clearEnv: true,
    env: { HOME: release.dir, PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin" },
  }).output();
  assertEquals(missing.code, 1);
  assertStringIncludes(new TextDecoder().decode(missing.stderr), "could not download");
});

const shellcheck = await new Deno.Command("sh", { args: ["-c", "command -v shellcheck"] }).output();

Deno.test({
  name: "install.sh is clean under shellcheck as POSIX sh",
  ignore: !shellcheck.success,
  async fn() {
    const result = await new Deno.Command("shellcheck", { args: ["-s", "sh", SCRIPT] }).output();
    assertEquals(result.code, 0, new TextDecoder().decode(result.stdout));
  },
});
