// Runs the BSI CSAF validator (@secvisogram/csaf-validator-lib) on CSAF 2.0 documents.
//
// Usage: node validate.mjs [PATH]   (reads from standard input without PATH)
// The input is one document, or a JSON array of documents (one process for many: loading the
// library takes seconds). For each document it prints {"basic": Result, "extended": Result},
// where each Result is {"isValid", "errors", "warnings", "infos"} gathered over the preset's
// tests, every entry named by its test; for an array, an array of those. Exit status: 0 when
// every document is valid under both presets, 1 when not, 2 when the input cannot be read.
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

async function runBoth(doc) {
  return {
    basic: await runPreset(basic, doc),
    extended: await runPreset(extended, doc),
  }
}

let document
try {
  document = readDocument()
} catch (error) {
  process.stderr.write(`cannot read the document: ${error.message}\n`)
  process.exit(2)
}
const documents = Array.isArray(document) ? document : [document]
const results = []
for (const doc of documents) {
  results.push(await runBoth(doc))
}
const allValid = results.every((r) => r.basic.isValid && r.extended.isValid)
const output = Array.isArray(document) ? results : results[0]
process.stdout.write(JSON.stringify(output, null, 2) + '\n')
process.exit(allValid ? 0 : 1)
