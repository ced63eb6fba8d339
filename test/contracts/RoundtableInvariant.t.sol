// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IRoundtable} from "../../contracts/IRoundtable.sol";
import {RoundtableTestBase} from "./RoundtableTestBase.sol";
import {RoundtableHandler} from "./RoundtableHandler.sol";

/// @notice Invariants over random sequences of sessions driven by {RoundtableHandler}: state only moves forward
/// (C8), thresholds stay within party counts, only authorized actions are ever recorded (S2, C1), and every
/// session can be brought to a terminal state once its deadline has passed (C5).
/// forge-config: default.invariant.runs = 128
/// forge-config: default.invariant.depth = 128
contract RoundtableInvariantTest is RoundtableTestBase {
    RoundtableHandler internal handler;

    function setUp() public {
        _deploy();
        handler = new RoundtableHandler(rt);
        vm.label(address(handler), "handler");
    }

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    /// @dev A terminal status never changes and a round never goes down, as the handler saw after every call;
    /// and what it saw last is what the contract reports now.
    function invariant_C8_stateOnlyMovesForward() public view {
        vm.assertEq(handler.regressions(), 0, "regressions");
        for (uint256 i = 0; i < handler.sessionCount(); ++i) {
            uint256 sessionId = handler.sessions(i);
            IRoundtable.SessionState memory state = rt.sessionState(sessionId);
            vm.assertEq(state.round, handler.lastRound(sessionId), "round as last observed");
            vm.assertLe(state.round, state.roundCount, "round within the schedule");
            if (handler.lastStatus(sessionId) != IRoundtable.Status.Active) {
                vm.assertEq(uint256(_statusOf(state.phase)), uint256(handler.lastStatus(sessionId)), "terminal");
            }
        }
    }

    function invariant_C8_thresholdWithinPartyCount() public view {
        for (uint256 i = 0; i < handler.sessionCount(); ++i) {
            uint256 sessionId = handler.sessions(i);
            uint256 n = rt.partiesOf(sessionId).length;
            uint256 t = rt.thresholdOf(sessionId);
            vm.assertGe(t, MIN_THRESHOLD, "t >= 2");
            vm.assertGe(n, MIN_PARTIES, "n >= 2");
            vm.assertLe(t, n, "t <= n");
            vm.assertLe(n, MAX_PARTIES, "n <= 255");
        }
    }

    /// @dev No unauthorized attempt ever succeeded, and each session's transcript is exactly the fold of the
    /// correct actions the handler made with the parties' own keys or accounts: nothing else was recorded.
    function invariant_S2_onlyAuthorizedActionsAreRecorded() public view {
        vm.assertEq(handler.unauthorizedSuccesses(), 0, "unauthorized successes");
        for (uint256 i = 0; i < handler.sessionCount(); ++i) {
            uint256 sessionId = handler.sessions(i);
            vm.assertEq(rt.transcriptOf(sessionId), handler.expectedTranscript(sessionId), "transcript");
        }
    }

    /// @dev A party acting correctly before the deadline is never refused, and expire works exactly when due.
    function invariant_C9_correctActionsInTimeSucceedAndExpiryFollowsTheClock() public view {
        vm.assertEq(handler.correctActionFailures(), 0, "correct actions refused");
        vm.assertEq(handler.expiryMismatches(), 0, "expire disagreed with the clock");
    }

    /// @dev Threat C5: every active session, once past its deadline, is ended by anyone's call to expire.
    function invariant_C5_everySessionCanEndAfterItsDeadline() public {
        uint256 snapshot = vm.snapshotState();
        for (uint256 i = 0; i < handler.sessionCount(); ++i) {
            uint256 sessionId = handler.sessions(i);
            IRoundtable.SessionState memory state = rt.sessionState(sessionId);
            if (_statusOf(state.phase) != IRoundtable.Status.Active) continue;
            if (block.timestamp <= state.deadline) vm.warp(uint256(state.deadline) + 1);
            _assertPhase(sessionId, IRoundtable.Phase.Expired, "past the deadline, the phase reads Expired");
            vm.prank(STRANGER);
            rt.expire(sessionId);
            _assertPhase(sessionId, IRoundtable.Phase.Aborted, "expired sessions are aborted");
        }
        vm.revertToState(snapshot);
    }

    function _statusOf(IRoundtable.Phase phase) internal pure returns (IRoundtable.Status) {
        if (phase == IRoundtable.Phase.Finalized) return IRoundtable.Status.Finalized;
        if (phase == IRoundtable.Phase.Aborted) return IRoundtable.Status.Aborted;
        if (phase == IRoundtable.Phase.Cancelled) return IRoundtable.Status.Cancelled;
        return IRoundtable.Status.Active;
    }
}
