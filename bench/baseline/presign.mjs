// Pre-sign N EIP-1559 transfers (not timed): node presign.mjs KEY N CHAIN_ID OUT
import { Wallet, Transaction } from "ethers";
import { writeFileSync } from "fs";
const [key, n, chainId, out] = process.argv.slice(2);
const w = new Wallet(key);
const lines = [];
for (let i = 0; i < Number(n); i++) {
  const tx = Transaction.from({ type: 2, chainId: BigInt(chainId), nonce: i, to: "0x0000000000000000000000000000000000000042",
    value: 1n, gasLimit: 21000n, maxFeePerGas: 20_000_000_000n, maxPriorityFeePerGas: 1_000_000_000n });
  tx.signature = w.signingKey.sign(tx.unsignedHash);
  lines.push(tx.serialized);
}
writeFileSync(out, lines.join("\n") + "\n");
