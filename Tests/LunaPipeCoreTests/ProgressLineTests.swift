import LunaPipeCore
import Testing

@Suite struct ProgressLineTests {
  @Test func showsShareBytesRateEtaAndFile() {
    let s = ScanProgress.Snapshot(bytesRead: 135_000_000, totalBytes: 270_000_000, currentFile: "/data/ydelser-2021.csv")
    let line = ProgressLine.render(s, elapsedSeconds: 1.0, width: 200)
    #expect(line == "[##########··········]  50%  135/270 MB  135 MB/s  ETA 1s  ydelser-2021.csv")
  }

  @Test func fitsTheTerminalWidth() {
    let s = ScanProgress.Snapshot(bytesRead: 1, totalBytes: 2, currentFile: String(repeating: "x", count: 300))
    #expect(ProgressLine.render(s, elapsedSeconds: 0, width: 60).count == 60)
  }

  @Test func durations() {
    #expect(ProgressLine.duration(0.2) == "1s")
    #expect(ProgressLine.duration(185) == "3m05s")
    #expect(ProgressLine.duration(3720) == "1h02m")
  }
}
