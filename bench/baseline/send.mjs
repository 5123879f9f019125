// The ethers 6 baseline: send pre-signed transactions pipelined over one WebSocketProvider and
// wait until every one has a receipt (provider.waitForTransaction can wait forever on anvil, whose
// automine block may come before the wait starts). node send.mjs WS_URL FILE -> prints "ms cpu_ms"
import { WebSocketProvider } from "ethers";
import { readFileSync } from "fs";
const [url, file] = process.argv.slice(2);
const raws = readFileSync(file, "utf8").trim().split("\n");
const provider = new WebSocketProvider(url);
await provider.getBlockNumber(); // connected
let done = 0;
setTimeout(() => {
  console.error(`ethers baseline stalled: ${done} of ${raws.length} receipts after 60 s`);
  process.exit(3);
}, 60000).unref();
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const hashes = await Promise.all(raws.map((r) => provider.send("eth_sendRawTransaction", [r])));
// Ask every receipt once, then again for the missing ones (obridge: after each new head).
const pending = new Set(hashes);
const sweep = async () => {
  const hs = [...pending];
  const rs = await Promise.all(hs.map((h) => provider.getTransactionReceipt(h)));
  rs.forEach((r, i) => {
    if (r) {
      pending.delete(hs[i]);
      done++;
    }
  });
};
// (ethers' "block" event is not reliable enough here: after the last automined block none comes,
// so sweep again 5 ms after each sweep until none is missing.)
for (;;) {
  await sweep();
  if (pending.size === 0) break;
  await new Promise((r) => setTimeout(r, 5));
}
const ms = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
console.log(`${ms.toFixed(1)} ${((cpu.user + cpu.system) / 1000).toFixed(1)}`);
await provider.destroy();
