// Runs the BSI CSAF validator (@secvisogram/csaf-validator-lib) on one CSAF 2.0 document.
//
// Usage: node validate.mjs [PATH]   (reads the document from standard input without PATH)
// Prints one JSON object: {"basic": Result, "extended": Result}, where each Result is
// {"isValid", "errors", "warnings", "infos"} gathered over the preset's tests, every entry
// named by its test. Exit status: 0 when both presets find the document valid, 1 when not,
// 2 when the document cannot be read.
import { readFileSync } from 'node:fs'
import * as basic from '@secvisogram/csaf-validator-lib/basic.js'
import * as extended from '@secvisogram/csaf-validator-lib/extended.js'
import validateStrict from '@secvisogram/csaf-validator-lib/validateStrict.js'

function readDocument() {
  const path = process.argv[2]
  const text = readFileSync(path ?? 0, 'utf8')
  return JSON.parse(text)
}

async function runPreset(tests, document) {
  const outcome = await validateStrict(Object.values(tests), document)
  const gathered = { isValid: outcome.isValid, errors: [], warnings: [], infos: [] }
  for (const test of outcome.tests) {
    for (const kind of ['errors', 'warnings', 'infos']) {
      for (const entry of test[kind]) {
        gathered[kind].push({ test: test.name, ...entry })
      }
    }
  }
  return gathered
}

let document
try {
  document = readDocument()
} catch (error) {
  process.stderr.write(`cannot read the document: ${error.message}\n`)
  process.exit(2)
}
const results = {
  basic: await runPreset(basic, document),
  extended: await runPreset(extended, document),
}
process.stdout.write(JSON.stringify(results, null, 2) + '\n')
process.exit(results.basic.isValid && results.extended.isValid ? 0 : 1)
