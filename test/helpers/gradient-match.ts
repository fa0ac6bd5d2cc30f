// One comparison of per-weight gradients from two backends: each weight's largest difference must stay within
// a fraction of its largest reference value (a relative tolerance per weight, so small layers are not drowned
// by large ones), and no reference gradient may be all zero (a disconnected weight would pass vacuously).
import assert from 'node:assert/strict';

export function assertGradientsMatch(reference: Map<string, Float32Array>, got: Map<string, Float32Array>, tolerance = 1e-3, label = 'wasm'): void {
  assert.equal(got.size, reference.size);
  for (const [name, expected] of reference) {
    const actual = got.get(name);
    assert.ok(actual, `${name}: no ${label} gradient`);
    let scale = 0;
    let diff = 0;
    for (let i = 0; i < expected.length; i++) {
      scale = Math.max(scale, Math.abs(expected[i]!));
      diff = Math.max(diff, Math.abs(actual[i]! - expected[i]!));
    }
    assert.ok(scale > 0, `${name}: zero gradient`);
    assert.ok(diff <= tolerance * scale, `${name}: max |${label} - cpu| ${diff} vs max |cpu| ${scale}`);
  }
}
