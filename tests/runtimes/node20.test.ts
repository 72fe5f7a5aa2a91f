import { node20 } from './launchers/node.js';
import { runtimeScenarios } from './scenarios.js';

runtimeScenarios(node20);
