// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title AllowanceLeakProbe (test only)
/// @notice Calls the Roundtable several times in one transaction, so that a test can see whether one `batch` item's
/// wallet allowance (a transient variable) reaches a later call: another `batch`, an `applySigned`, or a call after
/// a `batch` that reverted in the middle of an item. Anyone may call it: it stands for any contract that does this.
contract AllowanceLeakProbe {
    error AllowanceLeakProbeCallFailed(uint256 call, bytes reason);
    error AllowanceLeakProbeFirstCallSucceeded();

    /// @notice Sends each of `calls` to `roundtable` in order; a revert names the call and bubbles its data.
    function callInOrder(address roundtable, bytes[] calldata calls) external {
        for (uint256 i = 0; i < calls.length; ++i) {
            // solhint-disable-next-line avoid-low-level-calls
            (bool success, bytes memory reason) = roundtable.call(calls[i]);
            if (!success) revert AllowanceLeakProbeCallFailed(i, reason);
        }
    }

    /// @notice Sends `first` with only `firstGas` gas and requires it to revert (say, a batch out of gas in the middle
    /// of a wallet item), then sends `second` with the rest.
    function afterRevert(address roundtable, bytes calldata first, uint256 firstGas, bytes calldata second) external {
        // solhint-disable-next-line avoid-low-level-calls
        (bool success, ) = roundtable.call{gas: firstGas}(first);
        if (success) revert AllowanceLeakProbeFirstCallSucceeded();
        // solhint-disable-next-line avoid-low-level-calls
        (bool again, bytes memory reason) = roundtable.call(second);
        if (!again) revert AllowanceLeakProbeCallFailed(1, reason);
    }
}
