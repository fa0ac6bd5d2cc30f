// Library entry of ash-bench.
export { tf, tfl } from './engine/tf.js';
export { initEngine, availableBackends, currentEngine, BACKEND_CHOICES } from './engine/backend.js';
export type { BackendChoice, EngineInfo } from './engine/backend.js';
export { UserError } from './engine/errors.js';
export type * from './tasks/spec.js';
