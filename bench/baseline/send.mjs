// The ethers 6 baseline: send pre-signed transactions pipelined over one WebSocketProvider and
// wait until every one has a receipt (asking again while it is null, as the obridge side does;
// provider.waitForTransaction can wait forever on anvil, whose automine block may come before
// the wait starts). node send.mjs WS_URL FILE -> prints "ms cpu_ms"
import { WebSocketProvider } from "ethers";
import { readFileSync } from "fs";
const [url, file] = process.argv.slice(2);
const raws = readFileSync(file, "utf8").trim().split("\n");
const provider = new WebSocketProvider(url);
await provider.getBlockNumber(); // connected
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const hashes = await Promise.all(raws.map((r) => provider.send("eth_sendRawTransaction", [r])));
const receipt = async (h) => {
  for (;;) {
    const r = await provider.getTransactionReceipt(h);
    if (r) return r;
  }
};
await Promise.all(hashes.map(receipt));
const ms = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
console.log(`${ms.toFixed(1)} ${((cpu.user + cpu.system) / 1000).toFixed(1)}`);
await provider.destroy();
