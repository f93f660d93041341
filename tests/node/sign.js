// Signs webhooks with twilio's Node library (an implementation independent of the
// Python one the app uses). Reads one JSON request per line on stdin:
//   {"secret": "...", "url": "https://...", "params": {...}, "algorithm": "HMAC_SHA256"}
// and writes one JSON line back: {"signature": "...", "valid": true}, where `valid` is
// the Node library's own validateRequest of that signature (a self-check).
"use strict";
const readline = require("readline");
const twilio = require("twilio");

const lines = readline.createInterface({ input: process.stdin });
lines.on("line", (line) => {
  const request = JSON.parse(line);
  const algorithm = request.algorithm || twilio.HMAC_SHA1;
  const signature = twilio.getExpectedTwilioSignature(
    request.secret, request.url, request.params, algorithm);
  const valid = twilio.validateRequest(
    request.secret, signature, request.url, request.params, algorithm);
  process.stdout.write(JSON.stringify({
    signature,
    valid,
    header: twilio.SIGNATURE_SETTINGS_HEADER,
  }) + "\n");
});
