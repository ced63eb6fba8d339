// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Vm} from "./Vm.sol";

/// @notice Measures the gas of one call with gasleft() in a frame of its own, so the caller's memory (large in
/// these tests) adds nothing, and with the target's account and storage marked cold, as in a fresh transaction.
contract GasProbe {
    Vm internal constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    function measure(address sender, address target, bytes calldata data) external returns (uint256 used) {
        vm.cool(target);
        vm.prank(sender);
        uint256 before = gasleft();
        (bool ok, ) = target.call(data);
        used = before - gasleft();
        vm.assertTrue(ok, "measured call succeeds");
    }
}
