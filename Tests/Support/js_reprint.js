// Test helper (node): prints JSON.stringify(JSON.parse(line)) for each line of the
// file named by the last argument, so the Swift tests can compare our JS-exact JSON
// writer against JavaScript itself.
"use strict";
const fs = require("fs");
const lines = fs.readFileSync(process.argv[process.argv.length - 1], "utf8").split("\n");
for (const line of lines) process.stdout.write(JSON.stringify(JSON.parse(line)) + "\n");
