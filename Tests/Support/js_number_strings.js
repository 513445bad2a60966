// Test helper (node): each line of the input file is a double's IEEE-754 bit
// pattern in hex; prints String(value) (what JSON.stringify prints for it) per line.
"use strict";
const fs = require("fs");
const lines = fs.readFileSync(process.argv[process.argv.length - 1], "utf8").split("\n").filter((l) => l.length > 0);
const view = new DataView(new ArrayBuffer(8));
const out = [];
for (const line of lines) {
  view.setBigUint64(0, BigInt("0x" + line));
  out.push(String(view.getFloat64(0)));
}
process.stdout.write(out.join("\n") + "\n");
