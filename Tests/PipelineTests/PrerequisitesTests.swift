import Foundation
import TestSupport
import Testing

/// The rule of `Prerequisites`, with what is present and the environment
/// given: a missing prerequisite skips a test in a plain `swift test`, but
/// fails it under `make test` (`LUNAPIPE_REQUIRE_ALL=1`) and when its own
/// variable names it, so a run that should have everything never passes by
/// skipping.
@Suite struct PrerequisitesTests {
  static let requireAll = ["LUNAPIPE_REQUIRE_ALL": "1"]

  func available(present: Bool, _ environment: [String: String], namedBy variable: String? = nil) throws -> Bool {
    try Prerequisites.available(
      "thing", present: present, provider: "`make test` provides it", namedBy: variable, environment: environment)
  }

  @Test func presentIsAvailableWhateverIsRequired() throws {
    #expect(try available(present: true, [:]))
    #expect(try available(present: true, Self.requireAll))
    #expect(try available(present: true, ["LUNAPIPE_X": "/somewhere"], namedBy: "LUNAPIPE_X"))
  }

  @Test func absentIsASkipInAPlainRun() throws {
    #expect(try available(present: false, [:]) == false)
    #expect(try available(present: false, ["LUNAPIPE_REQUIRE_ALL": "0"]) == false)
    #expect(try available(present: false, ["LUNAPIPE_REQUIRE_ALL": ""]) == false)
    #expect(try available(present: false, ["OTHER": "1"], namedBy: "LUNAPIPE_X") == false)
  }

  @Test func absentFailsWhenEverythingIsRequired() throws {
    let error = try #require(throws: MissingPrerequisite.self) { try available(present: false, Self.requireAll) }
    #expect(error.description.contains("LUNAPIPE_REQUIRE_ALL is set, but there is no thing"))
    #expect(error.description.contains("`make test` provides it"))
    #expect(throws: MissingPrerequisite.self) { try available(present: false, ["LUNAPIPE_REQUIRE_ALL": "yes"]) }
  }

  @Test func absentFailsWhenItsVariableNamesIt() throws {
    let error = try #require(throws: MissingPrerequisite.self) {
      try available(present: false, ["LUNAPIPE_X": "/nowhere"], namedBy: "LUNAPIPE_X")
    }
    #expect(error.description.contains("LUNAPIPE_X=/nowhere"))
  }

  @Test func requiresAllReadsTheVariable() {
    #expect(Prerequisites.requiresAll(Self.requireAll))
    #expect(Prerequisites.requiresAll(["LUNAPIPE_REQUIRE_ALL": "true"]))
    #expect(!Prerequisites.requiresAll([:]))
    #expect(!Prerequisites.requiresAll(["LUNAPIPE_REQUIRE_ALL": "0"]))
    #expect(!Prerequisites.requiresAll(["LUNAPIPE_REQUIRE_ALL": ""]))
  }

  /// The trait as the tests use it: disabled (a skip) in a plain run; under
  /// `LUNAPIPE_REQUIRE_ALL` its condition throws, which Swift Testing
  /// records as an issue of the test or suite, a failure, not a skip.
  @Test func theTraitSkipsOrThrows() async throws {
    let plain = ConditionTrait.enabled(if: try available(present: false, [:]), "needs the thing")
    #expect(try await plain.evaluate() == false)
    let required = ConditionTrait.enabled(if: try available(present: false, Self.requireAll), "needs the thing")
    await #expect(throws: MissingPrerequisite.self) { try await required.evaluate() }
    let present = ConditionTrait.enabled(if: try available(present: true, Self.requireAll), "needs the thing")
    #expect(try await present.evaluate())
  }

  /// Under `make test` every prerequisite is there: the traits above, run
  /// for real, find them all.
  @Test(.enabled(if: Prerequisites.requiresAll(ProcessInfo.processInfo.environment), "only under `make test`"))
  func makeTestProvidesEverything() throws {
    #expect(try Prerequisites.binary)
    #expect(try Prerequisites.fullSample)
    #expect(try Prerequisites.chromium)
    #expect(try Prerequisites.openpyxl)
    #expect(try Prerequisites.python3)
    #expect(try Prerequisites.script)
  }
}
