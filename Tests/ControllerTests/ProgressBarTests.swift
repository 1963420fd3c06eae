@testable import Controller
import Testing

@Suite("ProgressBar: one redrawable line at any width")
struct ProgressBarTests {
    private let elapsed = Duration.milliseconds(12_340)

    @Test("at 80 columns: label, a 30-cell bar, padded counts and percentage, the time, the failures")
    func wide() {
        let bar = ProgressBar(label: "booting VMs", total: 20, done: 7, failed: 2)
        #expect(bar.render(elapsed: elapsed, width: 80)
            == "booting VMs [##########....................]  7/20   35%  12.3 s  2 failed")
        #expect(ProgressBar(label: "booting VMs", total: 20, done: 7).render(elapsed: elapsed, width: 80)
            == "booting VMs [##########....................]  7/20   35%  12.3 s")
    }

    @Test("narrower: the bar shrinks to fit; narrower still it is left out; the line never exceeds the width")
    func narrow() {
        let bar = ProgressBar(label: "booting VMs", total: 20, done: 7, failed: 2)
        #expect(bar.render(elapsed: elapsed, width: 50) == "booting VMs [##....]  7/20   35%  12.3 s  2 failed")
        #expect(bar.render(elapsed: elapsed, width: 45) == "booting VMs  7/20   35%  12.3 s  2 failed")
        #expect(bar.render(elapsed: elapsed, width: 20) == "booting VMs  7/20   ")
        #expect(bar.render(elapsed: elapsed, width: 0) == "")
        for width in 1...140 {
            let line = bar.render(elapsed: elapsed, width: width)
            #expect(line.count <= width, "width \(width): \(line)")
            #expect(!line.contains("\n"))
        }
    }

    @Test("0 of total: an empty bar at 0%; complete: a full bar at 100%; nothing to do counts as complete")
    func ends() {
        #expect(ProgressBar(label: "creating tenants", total: 4).render(elapsed: .zero, width: 80)
            == "creating tenants [..............................] 0/4    0%  0.0 s")
        #expect(ProgressBar(label: "creating tenants", total: 4, done: 4).render(elapsed: .seconds(3), width: 80)
            == "creating tenants [##############################] 4/4  100%  3.0 s")
        #expect(ProgressBar(label: "x", total: 0).render(elapsed: .zero, width: 60).contains("[##############################] 0/0  100%"))
        #expect(ProgressBar(label: "x", total: 3, done: 9).render(elapsed: .zero, width: 60).contains(" 3/3  100%"), "done is clamped to the total")
    }

    @Test("the bar keeps its length while it fills (counts and percentage are padded)")
    func stableLength() {
        for width in [50, 60, 80, 200] {
            let lengths = Set((0...120).map { ProgressBar(label: "booting VMs", total: 120, done: $0).render(elapsed: elapsed, width: width).count })
            #expect(lengths.count == 1, "width \(width): lengths \(lengths.sorted())")
        }
    }
}
