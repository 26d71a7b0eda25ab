// Parse an Argdown file with the reference parser (@argdown/core) and print, as JSON, the
// lexer/parser errors and what the model holds: statements, arguments and relations.
// Usage: node argdown_check.mjs FILE   (exit 0 when it parsed, even with errors; 2 on misuse)
import { readFileSync } from "node:fs";
import { ArgdownApplication, ParserPlugin, ModelPlugin } from "@argdown/core";

if (process.argv.length !== 3) {
  console.error("usage: node argdown_check.mjs FILE.argdown");
  process.exit(2);
}
const app = new ArgdownApplication();
app.addPlugin(new ParserPlugin(), "parse-input");
app.addPlugin(new ModelPlugin(), "build-model");
const response = app.run({
  process: ["parse-input", "build-model"],
  input: readFileSync(process.argv[2], "utf8"),
  logLevel: "error",
});
// An element's text is that of its first member with text (references have none).
const text = (element) => (element.members ?? []).map((m) => m.text ?? "").find((t) => t) ?? "";
const statements = Object.values(response.statements ?? {});
const args = Object.values(response.arguments ?? {});
const relations = response.relations ?? [];
console.log(
  JSON.stringify({
    errors: [
      ...(response.lexerErrors ?? []).map((e) => `lexer: line ${e.line}: ${e.message}`),
      ...(response.parserErrors ?? []).map(
        (e) => `parser: line ${e.token?.startLine}: ${e.message}`
      ),
      ...(response.exceptions ?? []).map((e) => `exception: ${e.message}`),
    ],
    counts: { statements: statements.length, arguments: args.length, relations: relations.length },
    statements: Object.fromEntries(
      statements.map((s) => [s.title, text(s)])
    ),
    arguments: Object.fromEntries(
      args.map((a) => [
        a.title,
        { text: text(a), tags: a.tags ?? [] },
      ])
    ),
    relations: relations.map((r) => [r.from?.title, r.relationType, r.to?.title]),
  })
);
