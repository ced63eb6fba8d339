// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IRoundtable} from "../../contracts/IRoundtable.sol";
import {RoundtableTestBase} from "./RoundtableTestBase.sol";

/// @notice Session creation: every bad parameter rejected with its exact error (threat C8), and what a valid
/// session records and announces.
contract RoundtableCreateTest is RoundtableTestBase {
    function setUp() public {
        _deploy();
        _loadParties(3, 1);
    }

    function _expectCreateRevert(IRoundtable.SessionConfig memory config, bytes memory err) private {
        vm.expectRevert(err);
        vm.prank(INITIATOR);
        rt.createSession(config);
    }

    // ─────────────────────────────────────────────── parties and threshold

    function test_C8_B7_rejectsZeroThreshold() public {
        _expectCreateRevert(
            _keygenConfig(accounts, 0),
            abi.encodeWithSelector(IRoundtable.RoundtableInvalidThreshold.selector, 0, 3)
        );
    }

    function test_C8_rejectsThresholdAbovePartyCount() public {
        _expectCreateRevert(
            _keygenConfig(accounts, 4),
            abi.encodeWithSelector(IRoundtable.RoundtableInvalidThreshold.selector, 4, 3)
        );
    }

    function test_C8_rejectsDuplicateParties() public {
        address[] memory parties = new address[](3);
        parties[0] = accounts[0];
        parties[1] = accounts[1];
        parties[2] = accounts[1];
        _expectCreateRevert(
            _keygenConfig(parties, 2),
            abi.encodeWithSelector(IRoundtable.RoundtablePartiesNotAscending.selector, 2, accounts[1], accounts[1])
        );
    }

    function test_C8_rejectsUnsortedParties() public {
        address[] memory parties = new address[](3);
        parties[0] = accounts[0];
        parties[1] = accounts[2];
        parties[2] = accounts[1];
        _expectCreateRevert(
            _keygenConfig(parties, 2),
            abi.encodeWithSelector(IRoundtable.RoundtablePartiesNotAscending.selector, 2, accounts[2], accounts[1])
        );
    }

    function test_C8_rejectsZeroAddressParty() public {
        address[] memory parties = new address[](2);
        parties[0] = address(0);
        parties[1] = accounts[0];
        _expectCreateRevert(
            _keygenConfig(parties, 2),
            abi.encodeWithSelector(IRoundtable.RoundtableInvalidParty.selector, 0, address(0))
        );
    }

    /// @dev Inside {batch} the sender is the contract itself, so it can never be a party.
    function test_C8_rejectsTheContractItselfAsParty() public {
        (address[] memory parties, , uint8 index) = _insertParty(accounts, keys, address(rt), 0);
        _expectCreateRevert(
            _keygenConfig(parties, 2),
            abi.encodeWithSelector(IRoundtable.RoundtableInvalidParty.selector, index, address(rt))
        );
    }

    function test_C8_rejectsNoParties() public {
        _expectCreateRevert(
            _keygenConfig(new address[](0), 2),
            abi.encodeWithSelector(IRoundtable.RoundtableInvalidPartyCount.selector, 0, MIN_PARTIES, MAX_PARTIES)
        );
    }

    function test_C8_rejectsPartyCountOverTheCap() public {
        _expectCreateRevert(
            _keygenConfig(_plainParties(256), 2),
            abi.encodeWithSelector(IRoundtable.RoundtableInvalidPartyCount.selector, 256, MIN_PARTIES, MAX_PARTIES)
        );
    }

    // ─────────────────────────── parameters the protocol cannot run (B7)

    /// @dev Threat B7: one party alone holds the whole key; refused at creation, before anyone can be blamed.
    function test_B7_rejectsASinglePartyWithThresholdOne() public {
        _expectCreateRevert(
            _keygenConfig(_plainParties(1), 1),
            abi.encodeWithSelector(IRoundtable.RoundtableInvalidPartyCount.selector, 1, MIN_PARTIES, MAX_PARTIES)
        );
    }

    /// @dev The party count is checked first, so a single party is refused as such whatever its threshold.
    function test_B7_rejectsASinglePartyWhateverTheThreshold() public {
        for (uint8 t = 0; t <= 2; ++t) {
            _expectCreateRevert(
                _keygenConfig(_plainParties(1), t),
                abi.encodeWithSelector(IRoundtable.RoundtableInvalidPartyCount.selector, 1, MIN_PARTIES, MAX_PARTIES)
            );
        }
    }

    /// @dev Threat B7: FROST refuses t = 1 (any single share is the key).
    function test_B7_rejectsThresholdOne() public {
        _expectCreateRevert(
            _keygenConfig(accounts, 1),
            abi.encodeWithSelector(IRoundtable.RoundtableInvalidThreshold.selector, 1, 3)
        );
    }

    function test_B7_rejectsThresholdOneOfTwo() public {
        _expectCreateRevert(
            _keygenConfig(_plainParties(2), 1),
            abi.encodeWithSelector(IRoundtable.RoundtableInvalidThreshold.selector, 1, 2)
        );
    }

    function test_B7_acceptsTheSmallestRunnableSessionTwoOfTwo() public {
        uint256 id = _create(_keygenConfig(_plainParties(2), 2));
        vm.assertEq(rt.sessionState(id).partyCount, 2, "two parties");
        vm.assertEq(rt.thresholdOf(id), 2, "threshold two");
    }

    function test_B7_minimumsAreTheContractsConstants() public view {
        vm.assertEq(rt.MIN_PARTIES(), MIN_PARTIES, "MIN_PARTIES");
        vm.assertEq(rt.MIN_THRESHOLD(), MIN_THRESHOLD, "MIN_THRESHOLD");
    }

    function test_C8_acceptsPartyCountAtTheCap() public {
        uint256 id = _create(_keygenConfig(_plainParties(255), 255));
        vm.assertEq(rt.sessionState(id).partyCount, 255, "party count");
    }

    // ───────────────────────────────────────────────────────── schedule

    function test_C8_rejectsZeroAcceptanceDuration() public {
        IRoundtable.SessionConfig memory config = _keygenConfig(accounts, 2);
        config.acceptanceDuration = 0;
        _expectCreateRevert(
            config,
            abi.encodeWithSelector(IRoundtable.RoundtableInvalidDuration.selector, 0, 0, MAX_DURATION)
        );
    }

    function test_C8_rejectsOversizedAcceptanceDuration() public {
        IRoundtable.SessionConfig memory config = _keygenConfig(accounts, 2);
        config.acceptanceDuration = uint32(MAX_DURATION + 1);
        _expectCreateRevert(
            config,
            abi.encodeWithSelector(IRoundtable.RoundtableInvalidDuration.selector, 0, MAX_DURATION + 1, MAX_DURATION)
        );
    }

    /// @dev Round durations are reported with 1-based round numbers (0 is the acceptance phase).
    function test_C8_rejectsZeroRoundDuration() public {
        IRoundtable.SessionConfig memory config = _keygenConfig(accounts, 2);
        config.rounds[1].duration = 0;
        _expectCreateRevert(
            config,
            abi.encodeWithSelector(IRoundtable.RoundtableInvalidDuration.selector, 2, 0, MAX_DURATION)
        );
    }

    function test_C8_rejectsOversizedRoundDuration() public {
        IRoundtable.SessionConfig memory config = _keygenConfig(accounts, 2);
        config.rounds[2].duration = type(uint32).max;
        _expectCreateRevert(
            config,
            abi.encodeWithSelector(IRoundtable.RoundtableInvalidDuration.selector, 3, type(uint32).max, MAX_DURATION)
        );
    }

    function test_C8_rejectsZeroRounds() public {
        IRoundtable.SessionConfig memory config = _keygenConfig(accounts, 2);
        config.rounds = new IRoundtable.RoundSpec[](0);
        _expectCreateRevert(
            config,
            abi.encodeWithSelector(IRoundtable.RoundtableInvalidRoundCount.selector, 0, MAX_ROUNDS)
        );
    }

    function test_C8_rejectsMoreThanSevenRounds() public {
        IRoundtable.SessionConfig memory config = _keygenConfig(accounts, 2);
        config.rounds = _rounds(8);
        _expectCreateRevert(
            config,
            abi.encodeWithSelector(IRoundtable.RoundtableInvalidRoundCount.selector, 8, MAX_ROUNDS)
        );
    }

    function test_C8_acceptsSevenRounds() public {
        IRoundtable.SessionConfig memory config = _keygenConfig(accounts, 2);
        config.rounds = _rounds(7);
        uint256 id = _create(config);
        vm.assertEq(rt.sessionState(id).roundCount, 7, "round count");
    }

    function test_C8_rejectsCommitRevealAgreementRound() public {
        IRoundtable.SessionConfig memory config = _keygenConfig(accounts, 2);
        config.rounds[2].commitReveal = true;
        _expectCreateRevert(config, abi.encodeWithSelector(IRoundtable.RoundtableCommitRevealAgreement.selector, 3));
    }

    function test_C8_rejectsOversizedParams() public {
        IRoundtable.SessionConfig memory config = _keygenConfig(accounts, 2);
        config.params = new bytes(1025);
        _expectCreateRevert(config, abi.encodeWithSelector(IRoundtable.RoundtableParamsTooLarge.selector, 1025, 1024));
    }

    // ──────────────────────────────────────────────── signing parameters

    function test_C8_rejectsKeySessionOnKeyGeneration() public {
        IRoundtable.SessionConfig memory config = _keygenConfig(accounts, 2);
        config.keySession = 1;
        _expectCreateRevert(
            config,
            abi.encodeWithSelector(IRoundtable.RoundtableSigningParamsOnKeyGeneration.selector, 1, bytes32(0))
        );
    }

    function test_C8_rejectsMessageOnKeyGeneration() public {
        IRoundtable.SessionConfig memory config = _keygenConfig(accounts, 2);
        config.message = keccak256("message");
        _expectCreateRevert(
            config,
            abi.encodeWithSelector(IRoundtable.RoundtableSigningParamsOnKeyGeneration.selector, 0, keccak256("message"))
        );
    }

    function test_C8_rejectsSigningAgainstUnknownKeySession() public {
        _expectCreateRevert(
            _signingConfig(accounts, 2, 7, keccak256("message")),
            abi.encodeWithSelector(
                IRoundtable.RoundtableInvalidKeySession.selector,
                7,
                IRoundtable.Status.None,
                IRoundtable.SessionKind.KeyGeneration
            )
        );
    }

    function test_C8_rejectsSigningAgainstUnfinishedKeySession() public {
        uint256 keyId = _create(_keygenConfig(accounts, 2));
        _expectCreateRevert(
            _signingConfig(accounts, 2, keyId, keccak256("message")),
            abi.encodeWithSelector(
                IRoundtable.RoundtableInvalidKeySession.selector,
                keyId,
                IRoundtable.Status.Active,
                IRoundtable.SessionKind.KeyGeneration
            )
        );
    }

    function test_C8_rejectsSigningAgainstAbortedKeySession() public {
        uint256 keyId = _create(_keygenConfig(accounts, 2));
        vm.warp(block.timestamp + ACCEPTANCE + 1);
        rt.expire(keyId);
        _expectCreateRevert(
            _signingConfig(accounts, 2, keyId, keccak256("message")),
            abi.encodeWithSelector(
                IRoundtable.RoundtableInvalidKeySession.selector,
                keyId,
                IRoundtable.Status.Aborted,
                IRoundtable.SessionKind.KeyGeneration
            )
        );
    }

    function test_C8_rejectsSigningAgainstASigningSession() public {
        uint256 keyId = _finalizedKeygen(2);
        uint256 signId = _create(_signingConfig(accounts, 2, keyId, keccak256("message")));
        _acceptAll(signId);
        for (uint256 i = 0; i < 3; ++i) _submit(signId, uint8(i), 1, _payload(66, i));
        for (uint256 i = 0; i < 3; ++i) _submit(signId, uint8(i), 2, _payload(32, i));
        _agreeAll(signId, 3, _payload(64, 99));
        _assertPhase(signId, IRoundtable.Phase.Finalized, "signing session finalized");

        _expectCreateRevert(
            _signingConfig(accounts, 2, signId, keccak256("message")),
            abi.encodeWithSelector(
                IRoundtable.RoundtableInvalidKeySession.selector,
                signId,
                IRoundtable.Status.Finalized,
                IRoundtable.SessionKind.Signing
            )
        );
    }

    function test_C8_rejectsSigningThresholdOtherThanTheKeys() public {
        uint256 keyId = _finalizedKeygen(2);
        _expectCreateRevert(
            _signingConfig(accounts, 3, keyId, keccak256("message")),
            abi.encodeWithSelector(IRoundtable.RoundtableThresholdMismatch.selector, 3, 2)
        );
    }

    function test_C8_rejectsSignerWhoIsNotAKeyHolder() public {
        uint256 keyId = _finalizedKeygen(2);
        (address[] memory signers, , ) = _insertParty(_pair(accounts[0], accounts[2]), new uint256[](2), STRANGER, 0);
        _expectCreateRevert(
            _signingConfig(signers, 2, keyId, keccak256("message")),
            abi.encodeWithSelector(IRoundtable.RoundtableSignerNotKeyHolder.selector, keyId, STRANGER)
        );
    }

    function test_C8_rejectsEmptyMessage() public {
        uint256 keyId = _finalizedKeygen(2);
        _expectCreateRevert(
            _signingConfig(accounts, 2, keyId, bytes32(0)),
            abi.encodeWithSelector(IRoundtable.RoundtableEmptyMessage.selector)
        );
    }

    function test_acceptsSigningSessionOfAThresholdSubsetOfKeyHolders() public {
        uint256 keyId = _finalizedKeygen(2);
        uint256 id = _create(_signingConfig(_pair(accounts[0], accounts[2]), 2, keyId, keccak256("message")));
        vm.assertEq(rt.partiesOf(id), _pair(accounts[0], accounts[2]), "signers");
    }

    // ─────────────────────────────────────────────────────── happy path

    function test_createEmitsSessionCreatedThenOnePartyInvitedPerParty() public {
        IRoundtable.SessionConfig memory config = _keygenConfig(accounts, 2);
        bytes32 configHash = keccak256(abi.encode(config));
        uint40 deadline = uint40(block.timestamp + ACCEPTANCE);

        vm.expectEmit(address(rt));
        emit IRoundtable.SessionCreated(1, INITIATOR, configHash, deadline, config);
        for (uint256 i = 0; i < 3; ++i) {
            vm.expectEmit(address(rt));
            emit IRoundtable.PartyInvited(1, accounts[i], uint8(i));
        }
        vm.prank(INITIATOR);
        rt.createSession(config);
    }

    function test_createReturnsSequentialIdsFromOne() public {
        vm.assertEq(rt.sessionCount(), 0, "no sessions yet");
        vm.assertEq(_create(_keygenConfig(accounts, 2)), 1, "first id");
        vm.assertEq(_create(_keygenConfig(accounts, 2)), 2, "second id");
        vm.assertEq(rt.sessionCount(), 2, "session count");
    }

    function test_viewsReturnTheCreatedConfiguration() public {
        IRoundtable.SessionConfig memory config = _keygenConfig(accounts, 2);
        config.params = hex"c0ffee";
        uint256 id = _create(config);

        vm.assertEq(rt.configHashOf(id), rt.hashConfig(config), "configHashOf = hashConfig");
        vm.assertEq(rt.configHashOf(id), keccak256(abi.encode(config)), "hash is keccak256(abi.encode(config))");
        vm.assertEq(rt.partiesOf(id), accounts, "parties");
        vm.assertEq(rt.thresholdOf(id), 2, "threshold");
        vm.assertEq(rt.initiatorOf(id), INITIATOR, "initiator");
        vm.assertEq(rt.transcriptOf(id), bytes32(0), "empty transcript");
        vm.assertEq(rt.creationBlockOf(id), block.number, "creation block");

        IRoundtable.SessionState memory state = rt.sessionState(id);
        vm.assertEq(uint256(state.phase), uint256(IRoundtable.Phase.Accepting), "phase");
        vm.assertEq(state.round, 0, "round");
        vm.assertEq(state.roundCount, 3, "round count");
        vm.assertEq(state.partyCount, 3, "party count");
        vm.assertEq(state.deadline, block.timestamp + ACCEPTANCE, "deadline");
        vm.assertEq(state.acted, 0, "acted");
    }

    function test_hashConfigChangesWithEveryField() public view {
        IRoundtable.SessionConfig memory config = _keygenConfig(accounts, 2);
        bytes32 base = rt.hashConfig(config);
        config.threshold = 3;
        vm.assertNotEq(rt.hashConfig(config), base, "threshold");
        config = _keygenConfig(accounts, 2);
        config.rounds[0].duration += 1;
        vm.assertNotEq(rt.hashConfig(config), base, "duration");
        config = _keygenConfig(accounts, 2);
        config.ciphersuite = "FROST-secp256k1-SHA256-v1";
        vm.assertNotEq(rt.hashConfig(config), base, "ciphersuite");
        config = _keygenConfig(accounts, 2);
        config.params = hex"00";
        vm.assertNotEq(rt.hashConfig(config), base, "params");
    }

    function test_viewsRejectAnUnknownSession() public {
        vm.expectRevert(abi.encodeWithSelector(IRoundtable.RoundtableUnknownSession.selector, 1));
        rt.sessionState(1);
        vm.expectRevert(abi.encodeWithSelector(IRoundtable.RoundtableUnknownSession.selector, 0));
        rt.configHashOf(0);
    }

    // ─────────────────────────────────────────────────────────── fuzz

    /// @dev Threat C8 over the whole parameter space that creation checks: each input is drawn around its bounds
    /// (forge-std-style `bound` favours the edges), and the expected outcome follows the checks' documented order.
    function testFuzz_C8_createAcceptsValidAndRejectsInvalidParameters(
        uint256 nSeed,
        uint256 tSeed,
        uint256 acceptanceSeed,
        uint256 roundDurationSeed,
        uint256 roundCountSeed
    ) public {
        uint256 n = _bound(nSeed, 0, 300);
        // t is drawn around every bound: 0, 1 (B7), 2, n and n + 1.
        uint8 t = uint8(_bound(tSeed, 0, n < 255 ? n + 1 : 255));
        uint32 acceptance = uint32(_bound(acceptanceSeed, 0, 2 * MAX_DURATION));
        uint32 roundDuration = uint32(_bound(roundDurationSeed, 0, 2 * MAX_DURATION));
        uint256 roundCount = _bound(roundCountSeed, 0, 9);
        IRoundtable.SessionConfig memory config = _keygenConfig(_plainParties(n), t);
        config.acceptanceDuration = acceptance;
        config.rounds = _rounds(roundCount);
        for (uint256 i = 0; i < roundCount; ++i) config.rounds[i].duration = roundDuration;

        bytes memory err;
        if (n < MIN_PARTIES || n > MAX_PARTIES) {
            err = abi.encodeWithSelector(IRoundtable.RoundtableInvalidPartyCount.selector, n, MIN_PARTIES, MAX_PARTIES);
        } else if (t < MIN_THRESHOLD || t > n) {
            err = abi.encodeWithSelector(IRoundtable.RoundtableInvalidThreshold.selector, t, n);
        } else if (roundCount == 0 || roundCount > MAX_ROUNDS) {
            err = abi.encodeWithSelector(IRoundtable.RoundtableInvalidRoundCount.selector, roundCount, MAX_ROUNDS);
        } else if (acceptance == 0 || acceptance > MAX_DURATION) {
            err = abi.encodeWithSelector(IRoundtable.RoundtableInvalidDuration.selector, 0, acceptance, MAX_DURATION);
        } else if (roundDuration == 0 || roundDuration > MAX_DURATION) {
            err = abi.encodeWithSelector(
                IRoundtable.RoundtableInvalidDuration.selector,
                1,
                roundDuration,
                MAX_DURATION
            );
        }

        if (err.length != 0) {
            _expectCreateRevert(config, err);
        } else {
            uint256 id = _create(config);
            IRoundtable.SessionState memory state = rt.sessionState(id);
            vm.assertEq(state.partyCount, n, "party count");
            vm.assertEq(rt.thresholdOf(id), t, "threshold");
            vm.assertEq(state.roundCount, roundCount, "round count");
            vm.assertEq(state.deadline, block.timestamp + acceptance, "acceptance deadline");
        }
    }

    // ───────────────────────────────────────────────────────── helpers

    /// @dev `count` one-hour plain rounds (the last is agreement).
    function _rounds(uint256 count) private pure returns (IRoundtable.RoundSpec[] memory rounds) {
        rounds = new IRoundtable.RoundSpec[](count);
        for (uint256 i = 0; i < count; ++i) rounds[i] = IRoundtable.RoundSpec({duration: ROUND, commitReveal: false});
    }

    function _pair(address a, address b) private pure returns (address[] memory pair) {
        pair = new address[](2);
        pair[0] = a;
        pair[1] = b;
    }
}
