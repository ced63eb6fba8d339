// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Roundtable} from "../../contracts/Roundtable.sol";
import {IRoundtable} from "../../contracts/IRoundtable.sol";
import {RoundtableTestBase} from "./RoundtableTestBase.sol";
import {HeavyWallet, OwnedWallet, ReentrantWallet} from "./Wallets.sol";

/// @notice Signed actions carried by anyone ({applySigned}): replay (C1), forgery and tampering (S2), malleability
/// (C2), contract-wallet parties (ERC-1271) and re-entry through them (C7).
contract RoundtableSignaturesTest is RoundtableTestBase {
    uint8 internal constant T = 2;

    /// @dev Two sessions with the same parties, both driven to round 2 (a plain submission round).
    uint256 internal id;
    uint256 internal other;

    function setUp() public {
        _deploy();
        _loadParties(3, 1);
        id = _startedSession();
        other = _startedSession();
    }

    /// @dev A session of the fixture's parties, accepted, round 1 done; round 2 is open.
    function _startedSession() internal returns (uint256 sessionId) {
        sessionId = _create(_keygenConfig(accounts, T));
        _acceptAll(sessionId);
        for (uint8 i = 0; i < 3; ++i) _commit(sessionId, i, 1, _round1Payload(T, i));
        for (uint8 i = 0; i < 3; ++i) _submit(sessionId, i, 1, _round1Payload(T, i));
    }

    function _invalidSignature(uint256 sessionId, uint8 party) internal view returns (bytes memory) {
        return _err(IRoundtable.RoundtableInvalidSignature.selector, sessionId, party, accounts[party]);
    }

    /// @dev Fits a fuzzed payload into the accepted lengths (1 to 16,384 bytes), so only the signature decides.
    function _nonEmpty(bytes memory payload) internal pure returns (bytes memory) {
        if (payload.length == 0) return hex"00";
        if (payload.length > MAX_PAYLOAD) {
            assembly ("memory-safe") {
                mstore(payload, MAX_PAYLOAD)
            }
        }
        return payload;
    }

    // ─────────────────────────────────────────────────────── happy path

    function test_applySignedRecordsAPartysSubmissionSentByAnyone() public {
        IRoundtable.SignedAction memory a = _signedSubmit(id, 1, 2, _round2Payload(3, 1));
        bytes32 transcript = _fold(rt.transcriptOf(id), 1, _submitStructHash(id, 1, 2, a.data));
        vm.expectEmit(address(rt));
        emit IRoundtable.PayloadSubmitted(id, accounts[1], 1, 2, a.data);
        vm.prank(STRANGER);
        rt.applySigned(a);
        vm.assertEq(rt.sessionState(id).acted, 2, "party 1 acted");
        vm.assertEq(rt.transcriptOf(id), transcript, "transcript folds the signed action");
    }

    function test_digestOfIsTheEip712TypedDataHash() public view {
        bytes memory payload = _round2Payload(3, 0);
        IRoundtable.SignedAction memory a = _action(IRoundtable.ActionType.Submit, id, 0, 2, 0, payload);
        bytes32 domainSeparator = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("Roundtable"),
                keccak256("1"),
                block.chainid,
                address(rt)
            )
        );
        bytes32 expected = keccak256(
            abi.encodePacked(hex"1901", domainSeparator, _submitStructHash(id, 0, 2, payload))
        );
        vm.assertEq(rt.digestOf(a), expected, "digest");
    }

    function test_applySignedWithoutASignatureRejected() public {
        IRoundtable.SignedAction memory a = _action(IRoundtable.ActionType.Submit, id, 0, 2, 0, hex"01");
        vm.expectRevert(abi.encodeWithSelector(IRoundtable.RoundtableMissingSignature.selector, id, 0));
        vm.prank(accounts[0]);
        rt.applySigned(a);
    }

    function test_signatureOfAnotherPartysKeyRejected() public {
        IRoundtable.SignedAction memory a = _action(IRoundtable.ActionType.Submit, id, 0, 2, 0, hex"01");
        a = _sign(keys[1], a);
        vm.expectRevert(_invalidSignature(id, 0));
        rt.applySigned(a);
    }

    // ─────────────────────────────────────────────────────────── replay (C1)

    function testFuzz_C1_signatureForAnotherSessionRejected(bytes memory payload) public {
        payload = _nonEmpty(payload);
        IRoundtable.SignedAction memory a = _signedSubmit(id, 0, 2, payload);
        a.sessionId = other;
        vm.expectRevert(_invalidSignature(other, 0));
        rt.applySigned(a);
    }

    /// @dev The party signed round 1's payload; a relayer replays it in round 2 (the only round open).
    function testFuzz_C1_signatureForAnotherRoundRejected(bytes memory payload) public {
        payload = _nonEmpty(payload);
        IRoundtable.SignedAction memory a = _signedSubmit(id, 0, 1, payload);
        a.round = 2;
        vm.expectRevert(_invalidSignature(id, 0));
        rt.applySigned(a);
    }

    /// @dev A signature over one action type, presented as a commitment with the same fields, in a commit phase.
    function testFuzz_C1_signatureForAnotherActionTypeRejected(uint8 typeSeed, bytes32 word, uint8 accused) public {
        vm.assume(word != 0);
        IRoundtable.ActionType signedType = [
            IRoundtable.ActionType.Accept,
            IRoundtable.ActionType.Submit,
            IRoundtable.ActionType.Complain
        ][typeSeed % 3];
        uint256 fresh = _create(_keygenConfig(accounts, T));
        _acceptAll(fresh);
        _assertPhase(fresh, IRoundtable.Phase.Committing, "commit phase open");

        // An acceptance's data must hold a key and its proof, or it has no digest at all.
        bytes memory data =
            signedType == IRoundtable.ActionType.Accept ? _acceptData(fresh, 0, address(0)) : abi.encodePacked(word);
        IRoundtable.SignedAction memory a = _action(signedType, fresh, 0, 1, word, data);
        a.accused = accused;
        a = _sign(keys[0], a);
        a.action = IRoundtable.ActionType.Commit;
        vm.expectRevert(_invalidSignature(fresh, 0));
        rt.applySigned(a);
    }

    /// @dev A commitment signature presented as a complaint (which would abort the session) is rejected.
    function testFuzz_C1_commitSignaturePresentedAsComplaintRejected(bytes32 commitment) public {
        vm.assume(commitment != 0);
        uint256 fresh = _create(_keygenConfig(accounts, T));
        _acceptAll(fresh);
        IRoundtable.SignedAction memory a = _action(IRoundtable.ActionType.Commit, fresh, 0, 1, commitment, "");
        a.data = abi.encodePacked(commitment);
        a.accused = 1;
        a = _sign(keys[0], a);
        a.action = IRoundtable.ActionType.Complain;
        vm.expectRevert(_invalidSignature(fresh, 0));
        rt.applySigned(a);
    }

    /// @dev The same session id, parties and configuration on a second deployment: another verifying contract.
    function testFuzz_C1_signatureForAnotherContractRejected(bytes memory payload) public {
        payload = _nonEmpty(payload);
        Roundtable twin = new Roundtable();
        IRoundtable.SignedAction memory a = _action(IRoundtable.ActionType.Submit, id, 0, 2, 0, payload);
        a = _signFor(twin, keys[0], a);
        vm.assertNotEq(twin.digestOf(a), rt.digestOf(a), "digests differ by contract");
        vm.expectRevert(_invalidSignature(id, 0));
        rt.applySigned(a);
    }

    function testFuzz_C1_signatureForAnotherChainRejected(bytes memory payload, uint64 chainId) public {
        vm.assume(chainId != block.chainid && chainId != 0);
        payload = _nonEmpty(payload);
        IRoundtable.SignedAction memory a = _action(IRoundtable.ActionType.Submit, id, 0, 2, 0, payload);
        a = _sign(keys[0], a);
        uint256 home = block.chainid;
        bytes32 homeDigest = rt.digestOf(a);
        vm.chainId(chainId);
        vm.assertNotEq(rt.digestOf(a), homeDigest, "the domain follows the chain id");
        vm.expectRevert(_invalidSignature(id, 0));
        rt.applySigned(a);

        vm.chainId(home);
        rt.applySigned(a);
        vm.assertEq(rt.sessionState(id).acted, 1, "valid on its own chain");
    }

    /// @dev Each slot is filled once: the same signed action again, or another payload signed for the same slot.
    function testFuzz_C1_secondSubmissionToAFilledSlotRejected(bytes memory payload, bytes memory second) public {
        payload = _nonEmpty(payload);
        second = _nonEmpty(second);
        IRoundtable.SignedAction memory a = _signedSubmit(id, 0, 2, payload);
        rt.applySigned(a);

        vm.expectRevert(abi.encodeWithSelector(IRoundtable.RoundtableAlreadyActed.selector, id, 2, 0));
        rt.applySigned(a);
        IRoundtable.SignedAction memory b = _signedSubmit(id, 0, 2, second);
        vm.expectRevert(abi.encodeWithSelector(IRoundtable.RoundtableAlreadyActed.selector, id, 2, 0));
        rt.applySigned(b);
    }

    /// @dev Threat B9 too: a clone session with the same configuration. As relayed, the key proof names the first
    /// session; with a valid proof for the clone, the party's signature still names the first.
    function test_C1_B9_acceptanceSignatureForAnotherSessionRejected() public {
        uint256 a1 = _create(_keygenConfig(accounts, T));
        uint256 a2 = _create(_keygenConfig(accounts, T));
        vm.assertEq(rt.configHashOf(a1), rt.configHashOf(a2), "identical configurations");
        IRoundtable.SignedAction memory a = _signedAccept(a1, 0);
        a.sessionId = a2;
        vm.expectRevert(
            abi.encodeWithSelector(IRoundtable.RoundtableInvalidKeyProof.selector, a2, 0, bytes32(ENCRYPTION_X))
        );
        rt.applySigned(a);

        a.data = _acceptData(a2, 0, address(0));
        vm.expectRevert(_invalidSignature(a2, 0));
        rt.applySigned(a);
    }

    /// @dev Threat B9: the confirmation a party signs names chain and contract (the EIP-712 domain) and session.
    function test_B9_acceptanceDigestNamesChainContractAndSession() public {
        uint256 a1 = _create(_keygenConfig(accounts, T));
        uint256 a2 = _create(_keygenConfig(accounts, T));
        IRoundtable.SignedAction memory a = _action(
            IRoundtable.ActionType.Accept,
            a1,
            0,
            0,
            rt.configHashOf(a1),
            _acceptData(a1, 0, address(0))
        );
        bytes32 home = rt.digestOf(a);
        Roundtable twin = new Roundtable();
        vm.assertNotEq(twin.digestOf(a), home, "contract");
        a.sessionId = a2;
        vm.assertNotEq(rt.digestOf(a), home, "session");
        a.sessionId = a1;
        uint256 chain = block.chainid;
        vm.chainId(chain + 1);
        vm.assertNotEq(rt.digestOf(a), home, "chain");
        vm.chainId(chain);
        vm.assertEq(rt.digestOf(a), home, "the same action on its own chain, contract and session");
    }

    // ─────────────────────────────────────────────────────── tampering (S2)

    function testFuzz_S2_flippedPayloadBitRejected(bytes memory payload, uint256 bitSeed) public {
        payload = _nonEmpty(payload);
        IRoundtable.SignedAction memory a = _signedSubmit(id, 0, 2, payload);
        uint256 bit = bitSeed % (payload.length * 8);
        a.data[bit / 8] ^= bytes1(uint8(1) << uint8(bit % 8));
        vm.expectRevert(_invalidSignature(id, 0));
        rt.applySigned(a);
    }

    function testFuzz_S2_flippedSignatureBitRejected(bytes memory payload, uint256 bitSeed) public {
        payload = _nonEmpty(payload);
        IRoundtable.SignedAction memory a = _signedSubmit(id, 0, 2, payload);
        uint256 bit = bitSeed % (65 * 8);
        a.signature[bit / 8] ^= bytes1(uint8(1) << uint8(bit % 8));
        vm.expectRevert(_invalidSignature(id, 0));
        rt.applySigned(a);
    }

    /// @dev In a reveal, a flipped bit no longer matches the commitment, so it fails before the signature check.
    function testFuzz_S2_flippedRevealBitRejectedByTheCommitment(uint256 bitSeed) public {
        uint256 fresh = _create(_keygenConfig(accounts, T));
        _acceptAll(fresh);
        bytes memory payload = _round1Payload(T, 0);
        for (uint8 i = 0; i < 3; ++i) _commit(fresh, i, 1, _round1Payload(T, i));
        bytes32 committed = rt.commitmentOf(fresh, 1, accounts[0], payload);

        uint256 bit = bitSeed % (payload.length * 8);
        payload[bit / 8] ^= bytes1(uint8(1) << uint8(bit % 8));
        IRoundtable.SignedAction memory a = _signedSubmit(fresh, 0, 1, payload);
        bytes32 revealed = rt.commitmentOf(fresh, 1, accounts[0], payload);
        vm.expectRevert(
            abi.encodeWithSelector(IRoundtable.RoundtableCommitmentMismatch.selector, fresh, 0, committed, revealed)
        );
        rt.applySigned(a);
    }

    // ────────────────────────────────────────────────── malleability (C2)

    /// @dev (r, n - s) with v flipped recovers the same signer (ecrecover accepts it); OpenZeppelin's ECDSA
    /// rejects the high s, so the contract does too.
    function testFuzz_C2_highSSignatureRejected(bytes memory payload) public {
        payload = _nonEmpty(payload);
        IRoundtable.SignedAction memory a = _action(IRoundtable.ActionType.Submit, id, 0, 2, 0, payload);
        bytes32 digest = rt.digestOf(a);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(keys[0], digest);
        bytes32 highS = bytes32(SECP256K1_N - uint256(s));
        uint8 flippedV = v == 27 ? 28 : 27;
        vm.assertEq(ecrecover(digest, flippedV, r, highS), accounts[0], "the twin signature recovers the signer");

        a.signature = abi.encodePacked(r, highS, flippedV);
        vm.expectRevert(_invalidSignature(id, 0));
        rt.applySigned(a);
    }

    function test_C2_compactSignatureRejected() public {
        IRoundtable.SignedAction memory a = _signedSubmit(id, 0, 2, hex"01");
        bytes memory sig = a.signature;
        // ERC-2098 short form (r, vs): OpenZeppelin's tryRecover takes only 65-byte signatures.
        bytes32 r;
        bytes32 s;
        assembly ("memory-safe") {
            r := mload(add(sig, 0x20))
            s := mload(add(sig, 0x40))
        }
        uint8 v = uint8(sig[64]);
        a.signature = abi.encodePacked(r, bytes32(uint256(s) | (uint256(v - 27) << 255)));
        vm.expectRevert(_invalidSignature(id, 0));
        rt.applySigned(a);
    }

    // ─────────────────────────────────────────────────────────── ERC-1271

    function test_contractWalletPartyActsThroughApplySigned() public {
        uint256 ownerKey = 0xA11CE;
        OwnedWallet wallet = new OwnedWallet(vm.addr(ownerKey));
        (uint256 sessionId, uint8 w) = _sessionWithWallet(address(wallet), ownerKey);

        IRoundtable.SignedAction memory acceptance = _signedAccept(sessionId, w);
        vm.expectEmit(address(rt));
        emit IRoundtable.PartyAccepted(sessionId, address(wallet), w, _encryptionKey(), address(0));
        rt.applySigned(acceptance);

        _acceptOthers(sessionId, w);
        IRoundtable.SignedAction memory submission = _signedSubmit(sessionId, w, 1, _round1Payload(T, w));
        vm.expectEmit(address(rt));
        emit IRoundtable.PayloadSubmitted(sessionId, address(wallet), w, 1, _round1Payload(T, w));
        rt.applySigned(submission);
        vm.assertEq(rt.sessionState(sessionId).acted, uint256(1) << w, "wallet submitted");
    }

    function test_contractWalletRejectsASignatureByAnotherKey() public {
        OwnedWallet wallet = new OwnedWallet(vm.addr(0xA11CE));
        (uint256 sessionId, uint8 w) = _sessionWithWallet(address(wallet), 0xB0B);
        IRoundtable.SignedAction memory acceptance = _signedAccept(sessionId, w);
        vm.expectRevert(
            abi.encodeWithSelector(IRoundtable.RoundtableInvalidSignature.selector, sessionId, w, address(wallet))
        );
        rt.applySigned(acceptance);
    }

    function test_contractWalletPartyActsDirectly() public {
        uint256 ownerKey = 0xA11CE;
        OwnedWallet wallet = new OwnedWallet(vm.addr(ownerKey));
        (uint256 sessionId, uint8 w) = _sessionWithWallet(address(wallet), ownerKey);
        bytes memory call = _acceptCall(sessionId, w);
        vm.prank(vm.addr(ownerKey));
        wallet.execute(address(rt), call);
        vm.assertEq(rt.sessionState(sessionId).acted, uint256(1) << w, "wallet accepted directly");
    }

    /// @dev A wallet's check gets a fixed allowance (ERC1271_GAS), so its verdict does not depend on the gas the
    /// sender chose: a check that needs more than that is rejected, whatever gas comes with the call.
    function test_contractWalletWhoseCheckExceedsTheAllowanceRejected() public {
        uint256 ownerKey = 0xA11CE;
        HeavyWallet wallet = new HeavyWallet(vm.addr(ownerKey), rt.ERC1271_GAS() + 10_000);
        (uint256 sessionId, uint8 w) = _sessionWithWallet(address(wallet), ownerKey);
        IRoundtable.SignedAction memory acceptance = _signedAccept(sessionId, w);
        vm.expectRevert(
            abi.encodeWithSelector(
                IRoundtable.RoundtableWalletAllowanceSpent.selector,
                sessionId,
                w,
                address(wallet),
                rt.ERC1271_GAS()
            )
        );
        rt.applySigned{gas: 5_000_000}(acceptance);
    }

    function test_contractWalletWhoseCheckFitsTheAllowanceAccepted() public {
        uint256 ownerKey = 0xA11CE;
        HeavyWallet wallet = new HeavyWallet(vm.addr(ownerKey), rt.ERC1271_GAS() - 20_000);
        (uint256 sessionId, uint8 w) = _sessionWithWallet(address(wallet), ownerKey);
        rt.applySigned(_signedAccept(sessionId, w));
        vm.assertEq(rt.sessionState(sessionId).acted, uint256(1) << w, "accepted");
    }

    /// @dev Too little gas to give the wallet its allowance is an out-of-gas revert, never a rejection.
    function test_contractWalletCheckWithTooLittleGasRevertsAsOutOfGas() public {
        uint256 ownerKey = 0xA11CE;
        OwnedWallet wallet = new OwnedWallet(vm.addr(ownerKey));
        (uint256 sessionId, uint8 w) = _sessionWithWallet(address(wallet), ownerKey);
        IRoundtable.SignedAction memory acceptance = _signedAccept(sessionId, w);
        (bool ok, bytes memory ret) = address(rt).call{gas: 200_000}(abi.encodeCall(rt.applySigned, (acceptance)));
        vm.assertFalse(ok, "reverts");
        vm.assertEq(
            bytes4(ret),
            IRoundtable.RoundtableSignatureCheckOutOfGas.selector,
            "as RoundtableSignatureCheckOutOfGas"
        );
        vm.assertEq(rt.sessionState(sessionId).acted, 0, "nothing recorded");
    }

    // ──────────────────────────────────────────────────────── re-entry (C7)

    /// @dev The wallet's own direct submission for its slot, made from inside isValidSignature.
    function test_C7_reentrantWalletSubmittingDuringValidationRejected() public {
        ReentrantWallet wallet = new ReentrantWallet();
        (uint256 sessionId, uint8 w) = _startedWithWallet(address(wallet));
        wallet.arm(address(rt), abi.encodeCall(rt.submit, (sessionId, w, 2, hex"bad0")));
        _expectReentryRejected(sessionId, w, address(wallet));

        wallet.reenterNow();
        vm.assertEq(rt.sessionState(sessionId).acted, uint256(1) << w, "the same call succeeds outside a staticcall");
    }

    /// @dev A batch carrying another party's valid signed action, sent from inside isValidSignature.
    function test_C7_reentrantWalletBatchingDuringValidationRejected() public {
        ReentrantWallet wallet = new ReentrantWallet();
        (uint256 sessionId, uint8 w) = _startedWithWallet(address(wallet));
        uint8 victim = w == 0 ? 1 : 0;
        IRoundtable.SignedAction[] memory items = new IRoundtable.SignedAction[](1);
        items[0] = _signedSubmit(sessionId, victim, 2, _round2Payload(4, victim));
        wallet.arm(address(rt), abi.encodeCall(rt.batch, (_pack(items))));
        _expectReentryRejected(sessionId, w, address(wallet));

        wallet.reenterNow();
        vm.assertEq(
            rt.sessionState(sessionId).acted,
            uint256(1) << victim,
            "the same batch lands outside a staticcall"
        );
    }

    /// @dev An expiry of another session whose deadline has passed, sent from inside isValidSignature.
    function test_C7_reentrantWalletExpiringDuringValidationRejected() public {
        ReentrantWallet wallet = new ReentrantWallet();
        uint256 stale = _create(_keygenConfig(accounts, T));
        vm.warp(block.timestamp + ACCEPTANCE + 1);
        (uint256 sessionId, uint8 w) = _startedWithWallet(address(wallet));
        wallet.arm(address(rt), abi.encodeCall(rt.expire, (stale)));
        _expectReentryRejected(sessionId, w, address(wallet));
        _assertPhase(stale, IRoundtable.Phase.Expired, "the stale session was not aborted by the re-entry");

        wallet.reenterNow();
        _assertPhase(stale, IRoundtable.Phase.Aborted, "the same expiry succeeds outside a staticcall");
    }

    /// @dev Asserts that the wallet's signed submission fails as an invalid signature, directly and in a batch, and
    /// that nothing changed. Each test then makes the same re-entering call normally, to show it would succeed.
    function _expectReentryRejected(uint256 sessionId, uint8 w, address wallet) internal {
        IRoundtable.SignedAction memory a = _action(
            IRoundtable.ActionType.Submit,
            sessionId,
            w,
            2,
            0,
            _round2Payload(4, w)
        );
        a.signature = hex"00";
        bytes32 transcriptBefore = rt.transcriptOf(sessionId);
        uint256 actedBefore = rt.sessionState(sessionId).acted;

        // A state change inside a staticcall halts the wallet's frame with all its gas spent.
        bytes memory spent = abi.encodeWithSelector(
            IRoundtable.RoundtableWalletAllowanceSpent.selector,
            sessionId,
            w,
            wallet,
            rt.ERC1271_GAS()
        );
        vm.expectRevert(spent);
        rt.applySigned(a);

        IRoundtable.SignedAction[] memory items = new IRoundtable.SignedAction[](1);
        items[0] = a;
        vm.expectEmit(address(rt));
        emit IRoundtable.ActionRejected(sessionId, 0, w, spent);
        rt.batch(_pack(items));

        vm.assertEq(rt.transcriptOf(sessionId), transcriptBefore, "transcript unchanged");
        vm.assertEq(rt.sessionState(sessionId).acted, actedBefore, "acted bitmap unchanged");
    }

    // ───────────────────────────────────────────────────────── helpers

    /// @dev A session of the fixture's three parties plus `wallet` (signed for by `key`), in acceptance.
    function _sessionWithWallet(address wallet, uint256 key) internal returns (uint256 sessionId, uint8 w) {
        (address[] memory parties, uint256[] memory partyKeys, uint8 index) = _insertParty(accounts, keys, wallet, key);
        delete accounts;
        delete keys;
        for (uint256 i = 0; i < parties.length; ++i) {
            accounts.push(parties[i]);
            keys.push(partyKeys[i]);
        }
        sessionId = _create(_plainKeygenConfig(accounts, T));
        w = index;
    }

    function _acceptOthers(uint256 sessionId, uint8 skip) internal {
        for (uint8 i = 0; i < accounts.length; ++i) if (i != skip) _accept(sessionId, i);
    }

    /// @dev A four-party session including `wallet`, with round 2 open; the wallet acts directly until then.
    function _startedWithWallet(address wallet) internal returns (uint256 sessionId, uint8 w) {
        (sessionId, w) = _sessionWithWallet(wallet, 0);
        _acceptAll(sessionId);
        for (uint8 i = 0; i < 4; ++i) _submit(sessionId, i, 1, _round1Payload(T, i));
        _assertPhase(sessionId, IRoundtable.Phase.Submitting, "round 2 open");
    }
}
