import { node22 } from './launchers/node.js';
import { runtimeScenarios } from './scenarios.js';

runtimeScenarios(node22);
