import assert from "node:assert/strict";
import { createRedactor, isSecretName, REDACTED, secretValuesOf } from "../runner/redact.ts";

const cases: Array<[string, string, string]> = [
  ["a classic GitHub token", `token ghp_${"a".repeat(36)} here`, `token ${REDACTED} here`],
  ["a GitHub OAuth token", `gho_${"B1".repeat(18)}`, REDACTED],
  ["a fine-grained GitHub token", `github_pat_11ABC${"x".repeat(70)}`, REDACTED],
  ["an Anthropic key", `key=sk-ant-api03-${"Z".repeat(40)}`, `key=${REDACTED}`],
  ["an OpenAI project key", `sk-proj-${"q".repeat(40)}`, REDACTED],
  ["a Slack bot token", `xoxb-1234567890-abcdefghij`, REDACTED],
  [
    "a Slack webhook URL",
    "post to https://hooks.slack.com/services/T000/B000/XXXXXXXX now",
    `post to ${REDACTED} now`,
  ],
  [
    "a Bearer header",
    "Authorization: Bearer abc.def-ghi_jkl",
    `Authorization: Bearer ${REDACTED}`,
  ],
  ["an AWS access key id", "AKIAIOSFODNN7EXAMPLE", REDACTED],
  ["ordinary text", "the task-list has 12 items", "the task-list has 12 items"],
  ["a short sk- word", "ask-me sk-short", "ask-me sk-short"],
];

for (const [what, input, expected] of cases) {
  Deno.test(`the redactor removes ${what}`, () => {
    assert.equal(createRedactor()(input), expected);
  });
}

Deno.test("exact secret values from the environment are removed wherever they appear", () => {
  const env = {
    CUSTOM_API_KEY: "plain-looking-value-42",
    SLACK_WEBHOOK_URL: "https://example.test/hook/123456",
    HOME: "/home/operator",
    SHORT_TOKEN: "abc",
  };
  const redact = createRedactor({ secrets: secretValuesOf(env) });
  assert.equal(
    redact(
      '{"k":"plain-looking-value-42","u":"https://example.test/hook/123456","h":"/home/operator"}',
    ),
    `{"k":"${REDACTED}","u":"${REDACTED}","h":"/home/operator"}`,
  );
  assert.equal(redact("abc stays"), "abc stays");
});

Deno.test("a secret containing another secret is removed whole", () => {
  const redact = createRedactor({ secrets: ["12345678", "12345678-longer"] });
  assert.equal(redact("x 12345678-longer y"), `x ${REDACTED} y`);
});

Deno.test("secret names are recognised by their shape", () => {
  assert.deepEqual(
    ["GH_TOKEN", "ANTHROPIC_API_KEY", "SLACK_WEBHOOK_URL", "PATH", "HOME", "LANG"].map(
      isSecretName,
    ),
    [true, true, true, false, false, false],
  );
});
