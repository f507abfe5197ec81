// The one error class lives in hal's leaf (hal/ imports nothing of src/); re-exported here for src/.
export { EvseError, EvseErrorCode, ExitCode, errorMessage } from '../hal/base/errors.js';
