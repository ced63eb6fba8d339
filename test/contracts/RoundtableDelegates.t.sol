// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {console} from "hardhat/console.sol";
import {IRoundtable} from "../../contracts/IRoundtable.sol";
import {GasProbe} from "./GasProbe.sol";
import {RoundtableTestBase} from "./RoundtableTestBase.sol";

/// @notice Delegates (threats D1 to D4): an acceptance may name a delegate that sends or signs the party's later
/// actions in that session. It acts for that party and session only (D1), never accepts or names another (D2); an
/// acceptance naming it cannot be replayed elsewhere (D3); an action signed by neither is refused (D4).
contract RoundtableDelegatesTest is RoundtableTestBase {
    uint8 internal constant T = 2;
    uint256 internal constant DELEGATE_KEY = 0xDE1E6A7E;
    uint256 internal constant OTHER_DELEGATE_KEY = 0x0DE1E6A7E2;

    address internal delegate;
    /// @dev Party 0 accepted naming `delegate`; round 1 (commit-then-reveal) is open for commitments.
    uint256 internal id;
    /// @dev The same parties and configuration, nobody named a delegate; round 1 open for commitments.
    uint256 internal other;

    function setUp() public {
        _deploy();
        _loadParties(3, 1);
        delegate = vm.addr(DELEGATE_KEY);
        vm.label(delegate, "delegate");
        id = _create(_keygenConfig(accounts, T));
        _acceptNaming(accounts[0], id, 0, delegate);
        _accept(id, 1);
        _accept(id, 2);
        other = _create(_keygenConfig(accounts, T));
        _acceptAll(other);
    }

    function _signedCommit(
        uint256 key,
        uint256 sessionId,
        uint8 party,
        bytes memory payload
    ) internal view returns (IRoundtable.SignedAction memory) {
        bytes32 commitment = rt.commitmentOf(sessionId, 1, accounts[party], payload);
        return _sign(key, _action(IRoundtable.ActionType.Commit, sessionId, party, 1, commitment, ""));
    }

    function _invalidSignature(uint256 sessionId, uint8 party) internal view returns (bytes memory) {
        return _err(IRoundtable.RoundtableInvalidSignature.selector, sessionId, party, accounts[party]);
    }

    function _unauthorized(uint256 sessionId, uint8 party, address sender) internal view returns (bytes memory) {
        return
            abi.encodeWithSelector(
                IRoundtable.RoundtableUnauthorized.selector,
                sessionId,
                party,
                accounts[party],
                sender
            );
    }

    /// @dev Moves `id` to round 2 (a plain submission), party 0 acting through its delegate.
    function _toRound2() internal {
        rt.applySigned(_signedCommit(DELEGATE_KEY, id, 0, _round1Payload(T, 0)));
        for (uint8 i = 1; i < 3; ++i) _commit(id, i, 1, _round1Payload(T, i));
        _submitAs(delegate, id, 0, 1, _round1Payload(T, 0));
        for (uint8 i = 1; i < 3; ++i) _submit(id, i, 1, _round1Payload(T, i));
        _assertPhase(id, IRoundtable.Phase.Submitting, "round 2 open");
    }

    // ───────────────────────────────────────── D1: its party, its session

    function test_D1_delegateOfIsRecordedByTheAcceptance() public view {
        vm.assertEq(rt.delegateOf(id, 0), delegate, "party 0's delegate");
        vm.assertEq(rt.delegateOf(id, 1), address(0), "party 1 named none");
        vm.assertEq(rt.delegateOf(other, 0), address(0), "another session of the same party");
    }

    function test_D1_delegateSignedCommitAcceptedForItsParty() public {
        IRoundtable.SignedAction memory a = _signedCommit(DELEGATE_KEY, id, 0, _round1Payload(T, 0));
        bytes32 transcript = _fold(rt.transcriptOf(id), 0, _commitStructHash(id, 0, 1, a.word));
        vm.expectEmit(address(rt));
        emit IRoundtable.CommitmentSubmitted(id, accounts[0], 0, 1, a.word);
        vm.prank(STRANGER);
        rt.applySigned(a);
        vm.assertEq(rt.sessionState(id).acted, 1, "party 0 committed");
        vm.assertEq(rt.transcriptOf(id), transcript, "folded as party 0's action");
    }

    function test_D1_delegateDirectCommitAcceptedForItsParty() public {
        bytes32 commitment = rt.commitmentOf(id, 1, accounts[0], _round1Payload(T, 0));
        vm.expectEmit(address(rt));
        emit IRoundtable.CommitmentSubmitted(id, accounts[0], 0, 1, commitment);
        vm.prank(delegate);
        rt.commit(id, 0, 1, commitment);
        vm.assertEq(rt.sessionState(id).acted, 1, "party 0 committed");
    }

    /// @dev The delegate runs every round for party 0, signed and direct, and the session finalizes.
    function test_D1_delegateRunsTheWholeSessionForItsParty() public {
        _toRound2();
        rt.applySigned(_sign(DELEGATE_KEY, _action(IRoundtable.ActionType.Submit, id, 0, 2, 0, _round2Payload(3, 0))));
        for (uint8 i = 1; i < 3; ++i) _submit(id, i, 2, _round2Payload(3, i));
        bytes memory groupKey = _groupKey(7);
        _submitAs(delegate, id, 0, 3, groupKey);
        for (uint8 i = 1; i < 3; ++i) _submit(id, i, 3, groupKey);
        _assertPhase(id, IRoundtable.Phase.Finalized, "finalized");
        vm.assertEq(rt.resultOf(id), groupKey, "result");
    }

    function test_D1_delegateSignedComplaintAcceptedForItsParty() public {
        _toRound2();
        bytes memory evidence = _payload(97, 3);
        IRoundtable.SignedAction memory a = _action(IRoundtable.ActionType.Complain, id, 0, 2, 0, evidence);
        a.accused = 2;
        a = _sign(DELEGATE_KEY, a);
        vm.expectEmit(address(rt));
        emit IRoundtable.ComplaintFiled(id, accounts[0], 0, 2, 2, evidence);
        rt.applySigned(a);
        _assertPhase(id, IRoundtable.Phase.Aborted, "aborted by party 0's delegate");
    }

    function test_D1_delegateSignedActionForAnotherPartyRejected() public {
        IRoundtable.SignedAction memory a = _signedCommit(DELEGATE_KEY, id, 1, _round1Payload(T, 1));
        vm.expectRevert(_invalidSignature(id, 1));
        rt.applySigned(a);
    }

    function test_D1_delegateDirectActionForAnotherPartyRejected() public {
        bytes32 commitment = rt.commitmentOf(id, 1, accounts[1], _round1Payload(T, 1));
        vm.expectRevert(_unauthorized(id, 1, delegate));
        vm.prank(delegate);
        rt.commit(id, 1, 1, commitment);
    }

    /// @dev The delegate's signature for its own party, moved by a relayer into another party's slot.
    function testFuzz_D1_delegateSignatureMovedToAnotherPartyRejected(uint8 partySeed, bytes32 commitment) public {
        vm.assume(commitment != 0);
        uint8 party = uint8(1 + (partySeed % 2));
        IRoundtable.SignedAction memory a = _sign(
            DELEGATE_KEY,
            _action(IRoundtable.ActionType.Commit, id, 0, 1, commitment, "")
        );
        a.party = party;
        vm.expectRevert(_invalidSignature(id, party));
        rt.applySigned(a);
    }

    function test_D1_delegateSignedActionInAnotherSessionRejected() public {
        IRoundtable.SignedAction memory a = _signedCommit(DELEGATE_KEY, other, 0, _round1Payload(T, 0));
        vm.expectRevert(_invalidSignature(other, 0));
        rt.applySigned(a);
    }

    function test_D1_delegateDirectActionInAnotherSessionRejected() public {
        bytes32 commitment = rt.commitmentOf(other, 1, accounts[0], _round1Payload(T, 0));
        vm.expectRevert(_unauthorized(other, 0, delegate));
        vm.prank(delegate);
        rt.commit(other, 0, 1, commitment);
    }

    /// @dev A signature the delegate made in its own session, replayed by a relayer into another session.
    function testFuzz_D1_delegateSignatureReplayedInAnotherSessionRejected(bytes32 commitment) public {
        vm.assume(commitment != 0);
        IRoundtable.SignedAction memory a = _sign(
            DELEGATE_KEY,
            _action(IRoundtable.ActionType.Commit, id, 0, 1, commitment, "")
        );
        a.sessionId = other;
        vm.expectRevert(_invalidSignature(other, 0));
        rt.applySigned(a);
    }

    function test_D1_delegateActionRefusedInABatchWhileTheOthersLand() public {
        IRoundtable.SignedAction[] memory items = new IRoundtable.SignedAction[](2);
        items[0] = _signedCommit(DELEGATE_KEY, other, 0, _round1Payload(T, 0));
        items[1] = _signedCommit(keys[1], other, 1, _round1Payload(T, 1));
        vm.expectEmit(address(rt));
        emit IRoundtable.ActionRejected(other, 0, 0, _invalidSignature(other, 0));
        rt.batch(_pack(items));
        vm.assertEq(rt.sessionState(other).acted, 2, "only party 1 landed");
    }

    /// @dev Naming a delegate adds an authority; the party's own account keeps acting, signed and direct.
    function test_D1_partyStillActsItselfAfterNamingADelegate() public {
        rt.applySigned(_signedCommit(keys[0], id, 0, _round1Payload(T, 0)));
        for (uint8 i = 1; i < 3; ++i) _commit(id, i, 1, _round1Payload(T, i));
        _submit(id, 0, 1, _round1Payload(T, 0));
        vm.assertEq(rt.sessionState(id).acted, 1, "party 0 revealed itself");
    }

    // ─────────────────────────────────────── D2: a delegate never accepts

    /// @dev Session `fresh` (same parties) is in acceptance; party 0's delegate from `id` signs its acceptance.
    function test_D2_delegateSignatureOnAnAcceptanceRejected() public {
        uint256 fresh = _create(_keygenConfig(accounts, T));
        IRoundtable.SignedAction memory a = _action(
            IRoundtable.ActionType.Accept,
            fresh,
            0,
            0,
            rt.configHashOf(fresh),
            _acceptData(fresh, 0, address(0))
        );
        a = _sign(DELEGATE_KEY, a);
        vm.expectRevert(_invalidSignature(fresh, 0));
        rt.applySigned(a);
    }

    function test_D2_delegateDirectAcceptanceRejected() public {
        uint256 fresh = _create(_keygenConfig(accounts, T));
        bytes32 configHash = rt.configHashOf(fresh);
        bytes memory key = _encryptionKey();
        bytes memory proof = _keyProof(fresh, 0);
        vm.expectRevert(_unauthorized(fresh, 0, delegate));
        vm.prank(delegate);
        rt.accept(fresh, 0, configHash, key, proof, address(0));
    }

    function test_D2_delegateCannotNameAnotherDelegate() public {
        uint256 fresh = _create(_keygenConfig(accounts, T));
        address successor = vm.addr(OTHER_DELEGATE_KEY);
        IRoundtable.SignedAction memory a = _action(
            IRoundtable.ActionType.Accept,
            fresh,
            0,
            0,
            rt.configHashOf(fresh),
            _acceptData(fresh, 0, successor)
        );
        a = _sign(DELEGATE_KEY, a);
        vm.expectRevert(_invalidSignature(fresh, 0));
        rt.applySigned(a);

        bytes32 configHash = rt.configHashOf(fresh);
        bytes memory key = _encryptionKey();
        bytes memory proof = _keyProof(fresh, 0);
        vm.expectRevert(_unauthorized(fresh, 0, delegate));
        vm.prank(delegate);
        rt.accept(fresh, 0, configHash, key, proof, successor);
        vm.assertEq(rt.delegateOf(fresh, 0), address(0), "no delegate named");
    }

    /// @dev In its own session, the party has accepted: a second acceptance (replacing the delegate) is refused.
    function test_D2_delegateCannotReplaceItselfInItsSession() public {
        uint256 fresh = _create(_keygenConfig(accounts, T));
        _acceptNaming(accounts[0], fresh, 0, delegate);
        bytes32 configHash = rt.configHashOf(fresh);
        bytes memory key = _encryptionKey();
        bytes memory proof = _keyProof(fresh, 0);
        address successor = vm.addr(OTHER_DELEGATE_KEY);
        vm.expectRevert(abi.encodeWithSelector(IRoundtable.RoundtableAlreadyActed.selector, fresh, 0, 0));
        vm.prank(delegate);
        rt.accept(fresh, 0, configHash, key, proof, successor);

        IRoundtable.SignedAction memory a = _action(
            IRoundtable.ActionType.Accept,
            fresh,
            0,
            0,
            configHash,
            _acceptData(fresh, 0, successor)
        );
        a = _sign(DELEGATE_KEY, a);
        vm.expectRevert(abi.encodeWithSelector(IRoundtable.RoundtableAlreadyActed.selector, fresh, 0, 0));
        rt.applySigned(a);
        vm.assertEq(rt.delegateOf(fresh, 0), delegate, "delegate unchanged");
    }

    function test_D2_partyCannotNameItselfAsDelegate() public {
        uint256 fresh = _create(_keygenConfig(accounts, T));
        bytes32 configHash = rt.configHashOf(fresh);
        bytes memory key = _encryptionKey();
        bytes memory proof = _keyProof(fresh, 1);
        vm.expectRevert(abi.encodeWithSelector(IRoundtable.RoundtableInvalidDelegate.selector, fresh, 1, accounts[1]));
        vm.prank(accounts[1]);
        rt.accept(fresh, 1, configHash, key, proof, accounts[1]);
    }

    function test_D2_signedAcceptanceNamingThePartyItselfRejected() public {
        uint256 fresh = _create(_keygenConfig(accounts, T));
        IRoundtable.SignedAction memory a = _action(
            IRoundtable.ActionType.Accept,
            fresh,
            1,
            0,
            rt.configHashOf(fresh),
            _acceptData(fresh, 1, accounts[1])
        );
        a = _sign(keys[1], a);
        vm.expectRevert(abi.encodeWithSelector(IRoundtable.RoundtableInvalidDelegate.selector, fresh, 1, accounts[1]));
        rt.applySigned(a);
    }

    // ─────────────────────────────────── D3: acceptances are not portable

    function _signedAcceptNaming(
        uint256 sessionId,
        uint8 party,
        address named
    ) internal view returns (IRoundtable.SignedAction memory) {
        IRoundtable.SignedAction memory a = _action(
            IRoundtable.ActionType.Accept,
            sessionId,
            party,
            0,
            rt.configHashOf(sessionId),
            _acceptData(sessionId, party, named)
        );
        return _sign(keys[party], a);
    }

    /// @dev Two sessions with identical configurations. As relayed, the key proof names the first session; with a
    /// fresh proof for the second, the party's signature still names the first.
    function test_D3_acceptanceNamingADelegateReplayedInAnotherSessionRejected() public {
        uint256 first = _create(_keygenConfig(accounts, T));
        uint256 second = _create(_keygenConfig(accounts, T));
        vm.assertEq(rt.configHashOf(first), rt.configHashOf(second), "identical configurations");
        IRoundtable.SignedAction memory a = _signedAcceptNaming(first, 0, delegate);

        a.sessionId = second;
        vm.expectRevert(
            abi.encodeWithSelector(IRoundtable.RoundtableInvalidKeyProof.selector, second, 0, bytes32(ENCRYPTION_X))
        );
        rt.applySigned(a);

        a.data = _acceptData(second, 0, delegate);
        vm.expectRevert(_invalidSignature(second, 0));
        rt.applySigned(a);
        vm.assertEq(rt.delegateOf(second, 0), address(0), "no delegate in the other session");

        a = _signedAcceptNaming(first, 0, delegate);
        rt.applySigned(a);
        vm.assertEq(rt.delegateOf(first, 0), delegate, "valid in its own session");
    }

    function test_D3_acceptanceNamingADelegateReplayedForAnotherPartyRejected() public {
        uint256 fresh = _create(_keygenConfig(accounts, T));
        IRoundtable.SignedAction memory a = _signedAcceptNaming(fresh, 0, delegate);

        a.party = 1;
        vm.expectRevert(
            abi.encodeWithSelector(IRoundtable.RoundtableInvalidKeyProof.selector, fresh, 1, bytes32(ENCRYPTION_X))
        );
        rt.applySigned(a);

        a.data = _acceptData(fresh, 1, delegate);
        vm.expectRevert(_invalidSignature(fresh, 1));
        rt.applySigned(a);
        vm.assertEq(rt.delegateOf(fresh, 1), address(0), "party 1 has no delegate");
    }

    /// @dev A relayer swaps the named delegate for its own: the party signed the delegate, so it is refused.
    function testFuzz_D3_delegateSwappedInFlightRejected(address swapped) public {
        // The party's own account as its delegate is refused for that reason first (RoundtableInvalidDelegate).
        vm.assume(swapped != delegate && swapped != address(0) && swapped != accounts[0]);
        uint256 fresh = _create(_keygenConfig(accounts, T));
        IRoundtable.SignedAction memory a = _signedAcceptNaming(fresh, 0, delegate);
        a.data = _acceptData(fresh, 0, swapped);
        vm.expectRevert(_invalidSignature(fresh, 0));
        rt.applySigned(a);
    }

    function test_D3_delegateStrippedOrAddedInFlightRejected() public {
        uint256 fresh = _create(_keygenConfig(accounts, T));
        IRoundtable.SignedAction memory a = _signedAcceptNaming(fresh, 0, delegate);
        a.data = _acceptData(fresh, 0, address(0));
        vm.expectRevert(_invalidSignature(fresh, 0));
        rt.applySigned(a);

        IRoundtable.SignedAction memory b = _signedAcceptNaming(fresh, 1, address(0));
        b.data = _acceptData(fresh, 1, STRANGER);
        vm.expectRevert(_invalidSignature(fresh, 1));
        rt.applySigned(b);
    }

    // ─────────────────────────────────── D4: neither party nor delegate

    function testFuzz_D4_actionSignedByNeitherPartyNorDelegateRejected(uint256 keySeed, bytes32 commitment) public {
        vm.assume(commitment != 0);
        uint256 key = (uint256(keccak256(abi.encode("neither", keySeed))) % (SECP256K1_N - 1)) + 1;
        vm.assume(key != DELEGATE_KEY && key != keys[0]);
        IRoundtable.SignedAction memory a = _sign(
            key,
            _action(IRoundtable.ActionType.Commit, id, 0, 1, commitment, "")
        );
        vm.expectRevert(_invalidSignature(id, 0));
        rt.applySigned(a);

        IRoundtable.SignedAction[] memory items = new IRoundtable.SignedAction[](1);
        items[0] = a;
        vm.expectEmit(address(rt));
        emit IRoundtable.ActionRejected(id, 0, 0, _invalidSignature(id, 0));
        rt.batch(_pack(items));
        vm.assertEq(rt.sessionState(id).acted, 0, "nothing recorded");
    }

    function test_D4_directActionByNeitherPartyNorDelegateRejected() public {
        bytes32 commitment = rt.commitmentOf(id, 1, accounts[0], _round1Payload(T, 0));
        vm.expectRevert(_unauthorized(id, 0, STRANGER));
        vm.prank(STRANGER);
        rt.commit(id, 0, 1, commitment);
    }

    /// @dev (r, n - s) of the delegate's signature recovers the delegate, but high s is refused, as for parties.
    function test_D4_delegateHighSSignatureRejected() public {
        IRoundtable.SignedAction memory a = _action(IRoundtable.ActionType.Commit, id, 0, 1, keccak256("c"), "");
        bytes32 digest = rt.digestOf(a);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(DELEGATE_KEY, digest);
        bytes32 highS = bytes32(SECP256K1_N - uint256(s));
        uint8 flippedV = v == 27 ? 28 : 27;
        vm.assertEq(ecrecover(digest, flippedV, r, highS), delegate, "the twin signature recovers the delegate");
        a.signature = abi.encodePacked(r, highS, flippedV);
        vm.expectRevert(_invalidSignature(id, 0));
        rt.applySigned(a);
    }

    /// @dev A delegate signs with ECDSA only: a contract at the delegate's address is not asked (no ERC-1271).
    function test_D4_delegateSignatureOfAnotherLengthRejected() public {
        IRoundtable.SignedAction memory a = _signedCommit(DELEGATE_KEY, id, 0, _round1Payload(T, 0));
        a.signature = abi.encodePacked(a.signature, bytes1(0));
        vm.expectRevert(_invalidSignature(id, 0));
        rt.applySigned(a);
    }

    // ──────────────────────────────────────────────── gas without delegates

    /// @dev A party's direct and signed submissions cost the same whether or not another party of the session named
    /// a delegate: a delegate slot adds nothing to the others' actions.
    function test_D_delegateSlotOfAnotherPartyAddsNoGas() public {
        GasProbe probe = new GasProbe();
        address[] memory parties = accounts;
        uint256 plain = _create(_plainKeygenConfig(parties, T));
        _acceptAll(plain);
        uint256 delegated = _create(_plainKeygenConfig(parties, T));
        _accept(delegated, 0);
        _acceptNaming(accounts[1], delegated, 1, delegate);
        _accept(delegated, 2);

        bytes memory payload = _round1Payload(T, 0);
        uint256 snapshot = vm.snapshotState();
        uint256 directPlain = probe.measure(
            accounts[0],
            address(rt),
            abi.encodeCall(rt.submit, (plain, 0, 1, payload))
        );
        uint256 directDelegated = probe.measure(
            accounts[0],
            address(rt),
            abi.encodeCall(rt.submit, (delegated, 0, 1, payload))
        );
        vm.revertToState(snapshot);
        uint256 signedPlain = probe.measure(
            STRANGER,
            address(rt),
            abi.encodeCall(rt.applySigned, (_signedSubmit(plain, 0, 1, payload)))
        );
        uint256 signedDelegated = probe.measure(
            STRANGER,
            address(rt),
            abi.encodeCall(rt.applySigned, (_signedSubmit(delegated, 0, 1, payload)))
        );
        console.log("direct submit: %d gas without delegates, %d with party 1's set", directPlain, directDelegated);
        console.log("signed submit: %d gas without delegates, %d with party 1's set", signedPlain, signedDelegated);
        vm.assertEq(directDelegated, directPlain, "direct submit");
        vm.assertEq(signedDelegated, signedPlain, "signed submit");
    }
}
