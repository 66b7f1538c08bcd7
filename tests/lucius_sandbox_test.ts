/**
 * A Lucius firing whose engine (the real `claude` CLI, sandboxed by default)
 * tries to read a planted SSH key and to run a command outside its allowed
 * tools: both are refused and recorded in the firing record and shown by
 * `alfred status`, and the legitimate commit still ships.
 */
import assert from "node:assert/strict";
import { LABELS } from "../runner/claims/labels.ts";
import { runAlfred } from "./support/helpers.ts";
import { createLuciusWorld, REPO } from "./support/lucius_world.ts";

Deno.test("sandbox denials in a Lucius firing are recorded, counted by status, and never leak the secret", async () => {
  const secret = "-----BEGIN OPENSSH PRIVATE KEY----- planted-test-key-0123456789";
  await using world = await createLuciusWorld({ replies: [] });
  const home = world.home;
  await Deno.mkdir(`${home}/.ssh`, { recursive: true });
  await Deno.writeTextFile(`${home}/.ssh/id_rsa`, secret, { mode: 0o600 });
  world.anthropic.push(
    { kind: "tool_use", name: "Read", input: { file_path: `${home}/.ssh/id_rsa` } },
    {
      kind: "tool_use",
      name: "Bash",
      input: { command: "curl -s http://example.com/", description: "fetch" },
    },
    { kind: "tool_use", name: "Write", input: { file_path: "greeting.txt", content: "hello\n" } },
    {
      kind: "tool_use",
      name: "Bash",
      input: {
        command: "git add greeting.txt && git commit --quiet -m 'Add a greeting'",
        description: "commit",
      },
    },
    { kind: "text", text: "Added greeting.txt.\n[OK]" },
  );
  world.github.addIssue(REPO, { title: "Add a greeting", labels: [LABELS.implement] });
  const fired = await world.fire();
  assert.equal(fired.code, 0, fired.stderr);
  assert.equal(world.github.pulls(REPO).length, 1, "the legitimate commit shipped");
  const sent = JSON.stringify(world.anthropic.requests.map((r) => r.body));
  assert.ok(!sent.includes("planted-test-key"), "the key never reached the engine's API");
  const day = new Date().toISOString().slice(0, 10);
  const events = (await Deno.readTextFile(`${world.layout.eventsDir}/${day}.jsonl`)).trim().split(
    "\n",
  )
    .map((line) => JSON.parse(line));
  const denials = events.at(-1).denials as { kind: string; detail: string }[];
  assert.ok(
    denials?.some((d) => d.kind === "permission" && d.detail.includes("curl")),
    JSON.stringify(denials),
  );
  assert.ok(
    denials?.some((d) => d.kind === "file" && d.detail.startsWith("Read: ")),
    JSON.stringify(denials),
  );
  const status = await runAlfred(["status"], { home, env: world.env() });
  assert.match(status.stdout, /SANDBOX lucius: \d+ action\(s\) refused in its last firing/);
});

Deno.test("a Lucius firing under exactly alfred-lucius's permissions runs its engine in the sandbox and ships", async () => {
  const { committingReplies } = await import("./support/lucius_world.ts");
  await using world = await createLuciusWorld({ replies: committingReplies() });
  world.github.addIssue(REPO, { title: "Add a greeting", labels: [LABELS.implement] });
  const flags = world.flags("lucius");
  assert.ok(!flags.includes("--allow-all") && !flags.includes("--allow-net"));
  assert.ok(flags.some((flag) => flag.includes("unix:/tmp/alfred-sandbox-lucius/proxy.sock")));
  const fired = await world.fireUnder(flags);
  assert.equal(fired.code, 0, fired.stderr);
  assert.equal(world.github.pulls(REPO).length, 1);
  let transcripts = "";
  for await (const entry of Deno.readDir(`${world.layout.transcriptsDir}/lucius`)) {
    transcripts += await Deno.readTextFile(`${world.layout.transcriptsDir}/lucius/${entry.name}`);
  }
  assert.match(transcripts, /"kind":"sandbox"/);
});
