import { bun } from './launchers/bun.js';
import { runtimeScenarios } from './scenarios.js';

runtimeScenarios(bun);
