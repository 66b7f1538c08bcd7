/**
 * The real `codex` CLI in Alfred's bubblewrap sandbox against the scripted
 * Responses API: it reaches the API through the egress proxy, its command
 * cannot read the planted key, and the proxy records a denied connection.
 */
import { runEngine } from "../runner/engines/run.ts";
import { layoutOf } from "../runner/paths.ts";
import { checkSandbox } from "../runner/sandbox/mod.ts";
import { assert, assertEquals } from "./support/assert.ts";
import { startFakeOpenAI } from "./support/fake_openai.ts";
import { codexRunOptions, ENGINE_NOW, engineRequest, PATH } from "./support/engines.ts";
const check = Deno.build.os === "linux" ? await checkSandbox({ path: PATH }) : undefined;

Deno.test({
  name:
    "sandboxed codex: the API is reached through the proxy, the key stays hidden, denials are recorded",
  ignore: !check?.ok,
  async fn() {
    const root = await Deno.realPath(await Deno.makeTempDir({ prefix: "alfred-sbx-codex-" }));
    const home = `${root}/home`;
    const worktree = `${root}/alfred/worktrees/bane/f-1`;
    await Deno.mkdir(`${home}/.ssh`, { recursive: true });
    await Deno.writeTextFile(`${home}/.ssh/id_rsa`, "planted-codex-key\n");
    await Deno.mkdir(worktree, { recursive: true });
    await Deno.mkdir(`${worktree}/.git`);
    await Deno.writeTextFile(`${worktree}/.git/HEAD`, "ref: refs/heads/alfred/bane/i-1\n");
    await using fake = startFakeOpenAI([
      { kind: "command", cmd: `cat ${home}/.ssh/id_rsa; curl -sS -m 3 http://127.0.0.1:9/x` },
      { kind: "command", cmd: "printf hello > made.txt" },
      { kind: "message", text: "Done.\n[OK]" },
    ]);
    try {
      const request = engineRequest("codex", {
        agent: "bane",
        prompt: "Make made.txt and finish with a sentinel.",
        cwd: worktree,
        maxTurns: 5,
        allowedTools: [],
      });
      const run = await runEngine(request, {
        layout: layoutOf(`${root}/alfred`),
        parentEnv: { PATH, HOME: home, CODEX_HOME: `${home}/.codex`, OPENAI_API_KEY: "dummy" },
        timeoutMs: 30_000,
        graceMs: 500,
        ...codexRunOptions(fake.baseUrl),
        sandbox: { mode: "required", agent: "bane", home, alfredHome: `${root}/alfred`, check },
        now: ENGINE_NOW,
      });
      assertEquals(run.classification.outcome, "success", run.classification.detail);
      assert(run.attempts[0].sandboxed);
      assertEquals(await Deno.readTextFile(`${worktree}/made.txt`), "hello");
      assert(!JSON.stringify(fake.requests).includes("planted-codex-key"));
      // Measured: codex also tries github.com / api.github.com (update check),
      // chatgpt.com and ab.chatgpt.com in the background; all denied and recorded.
      const network = run.denials.flatMap((d) =>
        d.kind === "network" ? [`${d.host}:${d.port}`] : []
      );
      assert(network.includes("127.0.0.1:9"), network.join(", "));
      assert(
        run.denials.some((d) => d.kind === "file" && d.path === `${home}/.ssh/id_rsa`),
        JSON.stringify(run.denials),
      );
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
});
