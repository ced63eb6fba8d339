// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IRoundtable} from "../../contracts/IRoundtable.sol";
import {RoundtableTestBase} from "./RoundtableTestBase.sol";

/// @notice Party actions sent directly by the parties: acceptance, commit-then-reveal, submission, agreement,
/// complaints, cancellation and expiry, through whole key-generation and signing sessions.
contract RoundtableActionsTest is RoundtableTestBase {
    uint8 internal constant T = 2;

    /// @dev Phases a fixture session can be driven to, in order (see {_driveTo}).
    uint8 internal constant ACCEPTING = 0;
    uint8 internal constant COMMITTING = 1;
    uint8 internal constant REVEALING = 2;
    uint8 internal constant SUBMITTING = 3;
    uint8 internal constant AGREEING = 4;

    uint256 internal id;

    function setUp() public {
        _deploy();
        _loadParties(3, 1);
        id = _create(_keygenConfig(accounts, T));
    }

    // ───────────────────────────────────────────────────────── acceptance

    function test_S1_acceptRejectsAnotherConfigurationHash() public {
        IRoundtable.SessionConfig memory shown = _keygenConfig(accounts, 3);
        bytes32 shownHash = rt.hashConfig(shown);
        bytes32 realHash = rt.configHashOf(id);
        bytes memory key = _encryptionKey();
        bytes memory proof = _keyProof(id, 0);
        vm.expectRevert(
            abi.encodeWithSelector(IRoundtable.RoundtableConfigHashMismatch.selector, id, realHash, shownHash)
        );
        vm.prank(accounts[0]);
        rt.accept(id, 0, shownHash, key, proof, address(0));
    }

    function test_acceptRejectsEncryptionKeyOfWrongLength() public {
        bytes32 configHash = rt.configHashOf(id);
        bytes memory proof = _keyProof(id, 0);
        vm.expectRevert(abi.encodeWithSelector(IRoundtable.RoundtableInvalidEncryptionKey.selector, id, 0, 32));
        vm.prank(accounts[0]);
        rt.accept(id, 0, configHash, abi.encodePacked(ENCRYPTION_X), proof, address(0));
    }

    function test_acceptRejectsUncompressedPointPrefix() public {
        bytes32 configHash = rt.configHashOf(id);
        bytes memory key = _encryptionKey();
        key[0] = 0x04;
        bytes memory proof = _keyProofFor(rt, id, 0, key);
        vm.expectRevert(abi.encodeWithSelector(IRoundtable.RoundtableInvalidEncryptionKey.selector, id, 0, 33));
        vm.prank(accounts[0]);
        rt.accept(id, 0, configHash, key, proof, address(0));
    }

    function test_acceptRejectsUnknownPartyIndex() public {
        bytes32 configHash = rt.configHashOf(id);
        bytes memory key = _encryptionKey();
        bytes memory proof = _keyProof(id, 3);
        vm.expectRevert(abi.encodeWithSelector(IRoundtable.RoundtableUnknownParty.selector, id, 3, 3));
        vm.prank(accounts[0]);
        rt.accept(id, 3, configHash, key, proof, address(0));
    }

    function test_acceptRejectsASenderWhoIsNotTheParty() public {
        bytes32 configHash = rt.configHashOf(id);
        bytes memory key = _encryptionKey();
        bytes memory proof = _keyProof(id, 0);
        vm.expectRevert(
            abi.encodeWithSelector(IRoundtable.RoundtableUnauthorized.selector, id, 0, accounts[0], STRANGER)
        );
        vm.prank(STRANGER);
        rt.accept(id, 0, configHash, key, proof, address(0));
    }

    function test_acceptRejectsAPartyActingForAnother() public {
        bytes32 configHash = rt.configHashOf(id);
        bytes memory key = _encryptionKey();
        bytes memory proof = _keyProof(id, 0);
        vm.expectRevert(
            abi.encodeWithSelector(IRoundtable.RoundtableUnauthorized.selector, id, 0, accounts[0], accounts[1])
        );
        vm.prank(accounts[1]);
        rt.accept(id, 0, configHash, key, proof, address(0));
    }

    function test_acceptRejectsASecondAcceptance() public {
        _accept(id, 0);
        bytes32 configHash = rt.configHashOf(id);
        bytes memory key = _encryptionKey();
        bytes memory proof = _keyProof(id, 0);
        vm.expectRevert(abi.encodeWithSelector(IRoundtable.RoundtableAlreadyActed.selector, id, 0, 0));
        vm.prank(accounts[0]);
        rt.accept(id, 0, configHash, key, proof, address(0));
    }

    function test_acceptEmitsPartyAcceptedAndFoldsTheTranscript() public {
        bytes32 configHash = rt.configHashOf(id);
        bytes memory key = _encryptionKey();
        bytes memory proof = _keyProof(id, 1);
        vm.expectEmit(address(rt));
        emit IRoundtable.PartyAccepted(id, accounts[1], 1, key, address(0));
        vm.prank(accounts[1]);
        rt.accept(id, 1, configHash, key, proof, address(0));

        bytes32 expected = _fold(bytes32(0), 1, _acceptStructHash(id, 1, configHash, key, address(0)));
        vm.assertEq(rt.transcriptOf(id), expected, "transcript = keccak256(abi.encode(0, party, structHash))");
        vm.assertEq(rt.sessionState(id).acted, 2, "party 1 marked as acted");
    }

    function test_sessionStartsOnlyWhenEveryPartyHasAccepted() public {
        _accept(id, 2);
        _accept(id, 0);
        IRoundtable.SessionState memory state = rt.sessionState(id);
        vm.assertEq(uint256(state.phase), uint256(IRoundtable.Phase.Accepting), "still accepting");
        vm.assertEq(state.acted, 5, "parties 0 and 2 accepted");

        vm.expectEmit(address(rt));
        emit IRoundtable.PhaseOpened(id, 1, IRoundtable.Phase.Committing, uint40(block.timestamp + ROUND));
        _accept(id, 1);

        state = rt.sessionState(id);
        vm.assertEq(uint256(state.phase), uint256(IRoundtable.Phase.Committing), "round 1 opens with commitments");
        vm.assertEq(state.round, 1, "round");
        vm.assertEq(state.acted, 0, "nobody has acted in the new phase");
        vm.assertEq(state.deadline, block.timestamp + ROUND, "deadline");
    }

    function test_submitBeforeTheSessionStartsRejected() public {
        _accept(id, 0);
        bytes memory payload = _round1Payload(T, 0);
        vm.expectRevert(
            abi.encodeWithSelector(
                IRoundtable.RoundtableUnexpectedPhase.selector,
                id,
                IRoundtable.Phase.Accepting,
                IRoundtable.Phase.Submitting
            )
        );
        _submit(id, 0, 0, payload);
    }

    /// @dev A phase closes only once every party has acted in it, so a late action for it reads as already acted
    /// (and a relayer's batch skips it rather than rejecting it).
    function test_acceptAfterTheSessionStartedReadsAsAlreadyActed() public {
        _acceptAll(id);
        bytes32 configHash = rt.configHashOf(id);
        bytes memory key = _encryptionKey();
        bytes memory proof = _keyProof(id, 0);
        vm.expectRevert(abi.encodeWithSelector(IRoundtable.RoundtableAlreadyActed.selector, id, 0, 0));
        vm.prank(accounts[0]);
        rt.accept(id, 0, configHash, key, proof, address(0));
    }

    // ─────────────────────────────────────────────── commit and reveal

    function test_commitRejectsAnEmptyCommitment() public {
        _acceptAll(id);
        vm.expectRevert(abi.encodeWithSelector(IRoundtable.RoundtableEmptyCommitment.selector, id, 0));
        vm.prank(accounts[0]);
        rt.commit(id, 0, 1, bytes32(0));
    }

    function test_revealBeforeEveryCommitmentIsInRejected() public {
        _acceptAll(id);
        _commit(id, 0, 1, _round1Payload(T, 0));
        _commit(id, 1, 1, _round1Payload(T, 1));
        bytes memory payload = _round1Payload(T, 0);
        vm.expectRevert(
            abi.encodeWithSelector(
                IRoundtable.RoundtableUnexpectedPhase.selector,
                id,
                IRoundtable.Phase.Committing,
                IRoundtable.Phase.Revealing
            )
        );
        _submit(id, 0, 1, payload);
    }

    function test_commitAfterTheCommitPhaseClosedReadsAsAlreadyActed() public {
        _driveTo(REVEALING);
        vm.expectRevert(abi.encodeWithSelector(IRoundtable.RoundtableAlreadyActed.selector, id, 1, 0));
        vm.prank(accounts[0]);
        rt.commit(id, 0, 1, keccak256("late"));
    }

    function test_commitInAPlainRoundRejected() public {
        _driveTo(SUBMITTING);
        vm.expectRevert(
            abi.encodeWithSelector(
                IRoundtable.RoundtableUnexpectedPhase.selector,
                id,
                IRoundtable.Phase.Submitting,
                IRoundtable.Phase.Committing
            )
        );
        vm.prank(accounts[0]);
        rt.commit(id, 0, 2, keccak256("no commitments in round 2"));
    }

    function test_submitForAFinishedRoundReadsAsAlreadyActed() public {
        _driveTo(AGREEING);
        bytes memory payload = _round2Payload(3, 0);
        vm.expectRevert(abi.encodeWithSelector(IRoundtable.RoundtableAlreadyActed.selector, id, 2, 0));
        _submit(id, 0, 2, payload);
    }

    function test_revealRejectsAPayloadOtherThanTheCommittedOne() public {
        _driveTo(REVEALING);
        bytes memory other = _payload(33 * T + 65, 777);
        bytes32 committed = rt.commitmentOf(id, 1, accounts[0], _round1Payload(T, 0));
        bytes32 revealed = rt.commitmentOf(id, 1, accounts[0], other);
        vm.expectRevert(
            abi.encodeWithSelector(IRoundtable.RoundtableCommitmentMismatch.selector, id, 0, committed, revealed)
        );
        _submit(id, 0, 1, other);
    }

    function test_commitmentOfBindsSessionRoundPartyAndPayload() public view {
        bytes memory payload = _round1Payload(T, 0);
        bytes32 c = rt.commitmentOf(id, 1, accounts[0], payload);
        vm.assertEq(c, keccak256(abi.encode(id, uint8(1), accounts[0], keccak256(payload))), "preimage");
        vm.assertNotEq(rt.commitmentOf(id + 1, 1, accounts[0], payload), c, "session");
        vm.assertNotEq(rt.commitmentOf(id, 2, accounts[0], payload), c, "round");
        vm.assertNotEq(rt.commitmentOf(id, 1, accounts[1], payload), c, "party");
    }

    /// @dev Threat C3: party 1 copies party 0's commitment, then tries to reveal party 0's payload as its own.
    function testFuzz_C3_copiedCommitmentCannotBeRevealedByTheCopier(bytes memory payload) public {
        vm.assume(payload.length > 0 && payload.length <= MAX_PAYLOAD);
        _acceptAll(id);
        bytes32 victimCommitment = rt.commitmentOf(id, 1, accounts[0], payload);
        vm.prank(accounts[0]);
        rt.commit(id, 0, 1, victimCommitment);
        vm.prank(accounts[1]);
        rt.commit(id, 1, 1, victimCommitment);
        _commit(id, 2, 1, _round1Payload(T, 2));

        _submit(id, 0, 1, payload);
        bytes32 copierBinding = rt.commitmentOf(id, 1, accounts[1], payload);
        vm.expectRevert(
            abi.encodeWithSelector(
                IRoundtable.RoundtableCommitmentMismatch.selector,
                id,
                1,
                victimCommitment,
                copierBinding
            )
        );
        _submit(id, 1, 1, payload);
    }

    // ─────────────────────────────────────────────────── whole sessions

    /// @dev Accept, commit, reveal, submit, agree; the transcript is recomputed here from the actions alone.
    function test_fullKeyGenerationSessionFinalizesWithTheAgreedKey() public {
        bytes32 configHash = rt.configHashOf(id);
        bytes32 transcript;
        for (uint8 i = 0; i < 3; ++i) {
            _accept(id, i);
            transcript = _fold(transcript, i, _acceptStructHash(id, i, configHash, _encryptionKey(), address(0)));
        }
        for (uint8 i = 0; i < 3; ++i) {
            _commit(id, i, 1, _round1Payload(T, i));
            bytes32 c = rt.commitmentOf(id, 1, accounts[i], _round1Payload(T, i));
            transcript = _fold(transcript, i, _commitStructHash(id, i, 1, c));
        }
        for (uint8 i = 0; i < 3; ++i) {
            vm.expectEmit(address(rt));
            emit IRoundtable.PayloadSubmitted(id, accounts[i], i, 1, _round1Payload(T, i));
            _submit(id, i, 1, _round1Payload(T, i));
            transcript = _fold(transcript, i, _submitStructHash(id, i, 1, _round1Payload(T, i)));
        }
        _assertPhase(id, IRoundtable.Phase.Submitting, "round 2 is a plain submission");
        for (uint8 i = 0; i < 3; ++i) {
            _submit(id, i, 2, _round2Payload(3, i));
            transcript = _fold(transcript, i, _submitStructHash(id, i, 2, _round2Payload(3, i)));
        }
        _assertPhase(id, IRoundtable.Phase.Agreeing, "round 3 is agreement");

        bytes memory groupKey = _groupKey(1);
        for (uint8 i = 0; i < 2; ++i) {
            _submit(id, i, 3, groupKey);
            transcript = _fold(transcript, i, _submitStructHash(id, i, 3, groupKey));
        }
        transcript = _fold(transcript, 2, _submitStructHash(id, 2, 3, groupKey));
        vm.expectEmit(address(rt));
        emit IRoundtable.SessionFinalized(id, groupKey, transcript);
        _submit(id, 2, 3, groupKey);

        _assertPhase(id, IRoundtable.Phase.Finalized, "finalized");
        vm.assertEq(rt.resultOf(id), groupKey, "result is the 33-byte group key");
        vm.assertEq(rt.transcriptOf(id), transcript, "transcript");
    }

    function test_submitRejectsAnotherRound() public {
        _driveTo(SUBMITTING);
        bytes memory payload = _round2Payload(3, 0);
        vm.expectRevert(abi.encodeWithSelector(IRoundtable.RoundtableUnexpectedRound.selector, id, 2, 3));
        _submit(id, 0, 3, payload);
    }

    function test_submitRejectsASecondPayloadFromTheSameParty() public {
        _driveTo(SUBMITTING);
        _submit(id, 0, 2, _round2Payload(3, 0));
        bytes memory other = _payload(48 * 2, 4242);
        vm.expectRevert(abi.encodeWithSelector(IRoundtable.RoundtableAlreadyActed.selector, id, 2, 0));
        _submit(id, 0, 2, other);
    }

    function test_agreementRejectsAResultOverTheCap() public {
        _driveTo(AGREEING);
        uint256 cap = rt.MAX_RESULT_BYTES();
        bytes memory tooLong = _payload(cap + 1, 1);
        vm.expectRevert(abi.encodeWithSelector(IRoundtable.RoundtableInvalidPayloadLength.selector, cap + 1, 1, cap));
        _submit(id, 0, 3, tooLong);
    }

    /// @dev A BIP-340 signature (64 bytes) and an RFC 9591 secp256k1 signature (65 bytes) both fit.
    function test_agreementAcceptsA64ByteResult() public {
        _driveTo(AGREEING);
        _agreeAll(id, 3, _payload(64, 5));
        vm.assertEq(rt.resultOf(id), _payload(64, 5), "64-byte result stored");
    }

    function test_agreementAcceptsA65ByteResult() public {
        _driveTo(AGREEING);
        _agreeAll(id, 3, _payload(65, 5));
        vm.assertEq(rt.resultOf(id), _payload(65, 5), "65-byte result stored");
    }

    function test_agreementAcceptsAResultAtTheCap() public {
        _driveTo(AGREEING);
        bytes memory result = _payload(rt.MAX_RESULT_BYTES(), 5);
        _agreeAll(id, 3, result);
        vm.assertEq(rt.resultOf(id), result, "result at the cap stored");
    }

    function test_agreementOnResultsDifferingInTheLastWordIsADisagreement() public {
        _driveTo(AGREEING);
        bytes memory result = _payload(65, 5);
        bytes memory other = _payload(65, 5);
        other[64] ^= 0x01;
        _submit(id, 0, 3, result);
        _submit(id, 1, 3, other);
        _submit(id, 2, 3, result);
        _assertPhase(id, IRoundtable.Phase.Aborted, "the 65th byte differs");
    }

    function test_agreementDisagreementAbortsWithReasonDisagreement() public {
        _driveTo(AGREEING);
        _submit(id, 0, 3, _groupKey(1));
        _submit(id, 1, 3, _groupKey(2));
        bytes32 transcript = _fold(rt.transcriptOf(id), 2, _submitStructHash(id, 2, 3, _groupKey(1)));
        vm.expectEmit(address(rt));
        emit IRoundtable.SessionAborted(id, IRoundtable.AbortReason.Disagreement, 0, transcript);
        _submit(id, 2, 3, _groupKey(1));

        _assertPhase(id, IRoundtable.Phase.Aborted, "aborted");
        vm.expectRevert(
            abi.encodeWithSelector(IRoundtable.RoundtableNoResult.selector, id, IRoundtable.Status.Aborted)
        );
        rt.resultOf(id);
    }

    function test_agreementOnAShorterPrefixIsADisagreement() public {
        _driveTo(AGREEING);
        bytes memory key = _groupKey(1);
        bytes memory prefix = new bytes(32);
        for (uint256 i = 0; i < 32; ++i) prefix[i] = key[i];
        _submit(id, 0, 3, key);
        _submit(id, 1, 3, prefix);
        _submit(id, 2, 3, key);
        _assertPhase(id, IRoundtable.Phase.Aborted, "a 32-byte prefix does not agree with the 33-byte key");
    }

    function test_resultOfRevertsUntilFinalized() public {
        _driveTo(AGREEING);
        _submit(id, 0, 3, _groupKey(1));
        vm.expectRevert(abi.encodeWithSelector(IRoundtable.RoundtableNoResult.selector, id, IRoundtable.Status.Active));
        rt.resultOf(id);
    }

    /// @dev A FROST signing session among a threshold subset (2 of 4) of a finalized key's holders.
    function test_signingSessionAmongAThresholdSubsetOfKeyHolders() public {
        _loadParties(4, 2);
        uint256 keyId = _finalizedKeygen(T);
        address[] memory signers = new address[](2);
        signers[0] = accounts[1];
        signers[1] = accounts[3];
        bytes32 message = keccak256("transfer 1 BTC to cold storage");
        uint256 signId = _create(_signingConfig(signers, T, keyId, message));

        for (uint8 i = 0; i < 2; ++i) _acceptAs(signers[i], signId, i);
        // Round 1: two nonce commitments (2 x 33 bytes); round 2: a signature share (32 bytes).
        for (uint8 i = 0; i < 2; ++i) _submitAs(signers[i], signId, i, 1, _payload(66, i));
        for (uint8 i = 0; i < 2; ++i) _submitAs(signers[i], signId, i, 2, _payload(32, i));
        bytes memory signature = _payload(64, 64);
        for (uint8 i = 0; i < 2; ++i) _submitAs(signers[i], signId, i, 3, signature);

        _assertPhase(signId, IRoundtable.Phase.Finalized, "signing finalized");
        vm.assertEq(rt.resultOf(signId), signature, "result is the 64-byte BIP-340 signature");
    }

    function test_signingSessionAcceptsMoreSignersThanTheThreshold() public {
        _loadParties(4, 2);
        uint256 keyId = _finalizedKeygen(T);
        address[] memory signers = new address[](3);
        signers[0] = accounts[0];
        signers[1] = accounts[2];
        signers[2] = accounts[3];
        uint256 signId = _create(_signingConfig(signers, T, keyId, keccak256("m")));
        vm.assertEq(rt.sessionState(signId).partyCount, 3, "three signers");
        vm.assertEq(rt.thresholdOf(signId), T, "the key's threshold");
    }

    // ─────────────────────────────────────────────────────────── cancel

    function test_cancelByTheInitiatorBeforeTheStart() public {
        _accept(id, 0);
        vm.expectEmit(address(rt));
        emit IRoundtable.SessionCancelled(id);
        vm.prank(INITIATOR);
        rt.cancel(id);

        _assertPhase(id, IRoundtable.Phase.Cancelled, "cancelled");
        bytes32 configHash = rt.configHashOf(id);
        bytes memory key = _encryptionKey();
        bytes memory proof = _keyProof(id, 1);
        vm.expectRevert(
            abi.encodeWithSelector(IRoundtable.RoundtableSessionClosed.selector, id, IRoundtable.Status.Cancelled)
        );
        vm.prank(accounts[1]);
        rt.accept(id, 1, configHash, key, proof, address(0));
    }

    function test_cancelRejectsAnyoneButTheInitiator() public {
        vm.expectRevert(
            abi.encodeWithSelector(IRoundtable.RoundtableNotInitiator.selector, id, INITIATOR, accounts[0])
        );
        vm.prank(accounts[0]);
        rt.cancel(id);
    }

    function test_cancelRejectedOnceTheSessionStarted() public {
        _acceptAll(id);
        vm.expectRevert(
            abi.encodeWithSelector(
                IRoundtable.RoundtableUnexpectedPhase.selector,
                id,
                IRoundtable.Phase.Committing,
                IRoundtable.Phase.Accepting
            )
        );
        vm.prank(INITIATOR);
        rt.cancel(id);
    }

    /// @dev After the acceptance deadline the session is expired; expire records who never accepted, and a
    /// cancellation would erase that.
    function test_cancelRejectedAfterTheAcceptanceDeadline() public {
        _accept(id, 0);
        uint256 deadline = rt.sessionState(id).deadline;
        vm.warp(deadline + 1);
        vm.expectRevert(
            abi.encodeWithSelector(IRoundtable.RoundtableDeadlinePassed.selector, id, deadline, deadline + 1)
        );
        vm.prank(INITIATOR);
        rt.cancel(id);
        rt.expire(id);
        _assertPhase(id, IRoundtable.Phase.Aborted, "expired, not cancelled");
    }

    function test_cancelRejectedTwice() public {
        vm.prank(INITIATOR);
        rt.cancel(id);
        vm.expectRevert(
            abi.encodeWithSelector(IRoundtable.RoundtableSessionClosed.selector, id, IRoundtable.Status.Cancelled)
        );
        vm.prank(INITIATOR);
        rt.cancel(id);
    }

    // ──────────────────────────────────────────────────────── complaints

    function test_complaintAbortsTheSessionWithTheEvidence() public {
        _driveTo(SUBMITTING);
        _submit(id, 2, 2, _round2Payload(3, 2));
        bytes memory evidence = _payload(33 + 64, 31337);
        bytes32 structHash = _complainStructHash(id, 1, 2, 2, evidence);
        bytes32 transcript = _fold(rt.transcriptOf(id), 1, structHash);

        vm.expectEmit(address(rt));
        emit IRoundtable.ComplaintFiled(id, accounts[1], 1, 2, 2, evidence);
        vm.expectEmit(address(rt));
        emit IRoundtable.SessionAborted(id, IRoundtable.AbortReason.Complaint, 0, transcript);
        vm.prank(accounts[1]);
        rt.complain(id, 1, 2, 2, evidence);

        _assertPhase(id, IRoundtable.Phase.Aborted, "aborted");
        bytes memory late = _round2Payload(3, 0);
        vm.expectRevert(
            abi.encodeWithSelector(IRoundtable.RoundtableSessionClosed.selector, id, IRoundtable.Status.Aborted)
        );
        _submit(id, 0, 2, late);
    }

    function test_complaintAgainstOneselfRejected() public {
        _driveTo(SUBMITTING);
        vm.expectRevert(abi.encodeWithSelector(IRoundtable.RoundtableSelfComplaint.selector, id, 1));
        vm.prank(accounts[1]);
        rt.complain(id, 1, 2, 1, hex"01");
    }

    function test_complaintAgainstAnUnknownPartyRejected() public {
        _driveTo(SUBMITTING);
        vm.expectRevert(abi.encodeWithSelector(IRoundtable.RoundtableUnknownParty.selector, id, 3, 3));
        vm.prank(accounts[1]);
        rt.complain(id, 1, 2, 3, hex"01");
    }

    function test_complaintDuringAcceptanceRejected() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IRoundtable.RoundtableUnexpectedPhase.selector,
                id,
                IRoundtable.Phase.Accepting,
                IRoundtable.Phase.Submitting
            )
        );
        vm.prank(accounts[1]);
        rt.complain(id, 1, 0, 2, hex"01");
    }

    function test_complaintByAStrangerRejected() public {
        _driveTo(SUBMITTING);
        vm.expectRevert(
            abi.encodeWithSelector(IRoundtable.RoundtableUnauthorized.selector, id, 1, accounts[1], STRANGER)
        );
        vm.prank(STRANGER);
        rt.complain(id, 1, 2, 2, hex"01");
    }

    // ───────────────────────────────────────────────── deadlines (C9, C5)

    function test_C9_submitAtTheDeadlineSucceeds() public {
        _driveTo(SUBMITTING);
        vm.warp(rt.sessionState(id).deadline);
        _submit(id, 0, 2, _round2Payload(3, 0));
        vm.assertEq(rt.sessionState(id).acted, 1, "recorded at the deadline");
    }

    function test_C9_submitOneSecondAfterTheDeadlineRejected() public {
        _driveTo(SUBMITTING);
        uint256 deadline = rt.sessionState(id).deadline;
        vm.warp(deadline + 1);
        bytes memory payload = _round2Payload(3, 0);
        vm.expectRevert(
            abi.encodeWithSelector(IRoundtable.RoundtableDeadlinePassed.selector, id, deadline, deadline + 1)
        );
        _submit(id, 0, 2, payload);
    }

    function test_C9_expireAtTheDeadlineRejected() public {
        _driveTo(SUBMITTING);
        uint256 deadline = rt.sessionState(id).deadline;
        vm.warp(deadline);
        vm.expectRevert(
            abi.encodeWithSelector(IRoundtable.RoundtableDeadlineNotPassed.selector, id, deadline, deadline)
        );
        rt.expire(id);
    }

    /// @dev Threat C9: in every phase, at any time near the deadline, exactly one of the phase's action and
    /// `expire` succeeds: the action up to and including the deadline, `expire` strictly after it.
    function testFuzz_C9_exactlyOneOfActionOrExpireSucceedsAroundTheDeadline(
        uint256 phaseSeed,
        uint256 offsetSeed
    ) public {
        uint8 phase = uint8(_bound(phaseSeed, ACCEPTING, AGREEING));
        int256 offset = int256(_bound(offsetSeed, 0, 10)) - 5;
        _driveTo(phase);
        uint256 deadline = rt.sessionState(id).deadline;
        uint256 at = uint256(int256(deadline) + offset);
        vm.warp(at);
        _assertPhase(id, offset > 0 ? IRoundtable.Phase.Expired : _openPhase(phase), "sessionState follows time");

        bytes memory call = _actionCall(phase, 1);
        uint256 snapshot = vm.snapshotState();
        vm.prank(accounts[1]);
        (bool acted, bytes memory actionError) = address(rt).call(call);
        vm.revertToState(snapshot);
        (bool expired, bytes memory expireError) = address(rt).call(abi.encodeCall(rt.expire, (id)));

        vm.assertTrue(acted != expired, "exactly one of action and expire succeeds");
        vm.assertEq(acted, offset <= 0, "the action succeeds until the deadline, inclusive");
        if (acted) {
            vm.assertEq(
                expireError,
                abi.encodeWithSelector(IRoundtable.RoundtableDeadlineNotPassed.selector, id, deadline, at),
                "expire error"
            );
        } else {
            vm.assertEq(
                actionError,
                abi.encodeWithSelector(IRoundtable.RoundtableDeadlinePassed.selector, id, deadline, at),
                "action error"
            );
        }
    }

    /// @dev Threat C5: after a deadline, expiry blames exactly the parties that did not act in the open phase.
    function testFuzz_C5_expireBlamesExactlyTheSilentParties(uint8 actedMask, uint256 phaseSeed) public {
        vm.assume(actedMask != type(uint8).max);
        uint8 phase = uint8(_bound(phaseSeed, ACCEPTING, AGREEING));
        _loadParties(8, 3);
        id = _create(_keygenConfig(accounts, T));
        _driveTo(phase);
        for (uint8 i = 0; i < 8; ++i) {
            if ((actedMask >> i) & 1 == 1) {
                bytes memory call = _actionCall(phase, i);
                vm.prank(accounts[i]);
                (bool ok, ) = address(rt).call(call);
                vm.assertTrue(ok, "party acts in time");
            }
        }
        vm.assertEq(rt.sessionState(id).acted, actedMask, "acted bitmap");
        vm.warp(rt.sessionState(id).deadline + 1);

        vm.expectEmit(address(rt));
        emit IRoundtable.SessionAborted(id, IRoundtable.AbortReason.Expired, uint8(~actedMask), rt.transcriptOf(id));
        rt.expire(id);
        _assertPhase(id, IRoundtable.Phase.Aborted, "aborted");
    }

    function test_expireRejectsAFinishedSession() public {
        _driveTo(AGREEING);
        _agreeAll(id, 3, _groupKey(1));
        vm.warp(block.timestamp + 365 days);
        vm.expectRevert(
            abi.encodeWithSelector(IRoundtable.RoundtableSessionClosed.selector, id, IRoundtable.Status.Finalized)
        );
        rt.expire(id);
    }

    function test_expireRejectsAnUnknownSession() public {
        vm.expectRevert(abi.encodeWithSelector(IRoundtable.RoundtableUnknownSession.selector, 2));
        rt.expire(2);
    }

    // ───────────────────────────────────────────────────────── helpers

    /// @dev Moves the fixture session `id` forward to `phase`, every party acting in each earlier phase.
    function _driveTo(uint8 phase) internal {
        for (uint8 p = ACCEPTING; p < phase; ++p) {
            for (uint8 i = 0; i < accounts.length; ++i) {
                bytes memory call = _actionCall(p, i);
                vm.prank(accounts[i]);
                (bool ok, bytes memory err) = address(rt).call(call);
                vm.assertTrue(ok, string(err));
            }
        }
        _assertPhase(id, _openPhase(phase), "driven to phase");
    }

    /// @dev The calldata of party `party`'s correct action in `phase` of the fixture session.
    function _actionCall(uint8 phase, uint8 party) internal view returns (bytes memory) {
        uint256 n = accounts.length;
        if (phase == ACCEPTING) {
            return _acceptCall(id, party);
        }
        if (phase == COMMITTING) {
            bytes32 c = rt.commitmentOf(id, 1, accounts[party], _round1Payload(T, party));
            return abi.encodeCall(rt.commit, (id, party, 1, c));
        }
        if (phase == REVEALING) return abi.encodeCall(rt.submit, (id, party, 1, _round1Payload(T, party)));
        if (phase == SUBMITTING) return abi.encodeCall(rt.submit, (id, party, 2, _round2Payload(n, party)));
        return abi.encodeCall(rt.submit, (id, party, 3, _groupKey(id)));
    }

    function _openPhase(uint8 phase) internal pure returns (IRoundtable.Phase) {
        if (phase == ACCEPTING) return IRoundtable.Phase.Accepting;
        if (phase == COMMITTING) return IRoundtable.Phase.Committing;
        if (phase == REVEALING) return IRoundtable.Phase.Revealing;
        if (phase == SUBMITTING) return IRoundtable.Phase.Submitting;
        return IRoundtable.Phase.Agreeing;
    }
}
