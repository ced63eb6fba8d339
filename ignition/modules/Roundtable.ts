import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

// The Roundtable contract has no constructor arguments, no owner and no proxy:
// what is deployed is what every session on that chain runs under.
export default buildModule("Roundtable", (m) => {
  const roundtable = m.contract("Roundtable");
  return { roundtable };
});
