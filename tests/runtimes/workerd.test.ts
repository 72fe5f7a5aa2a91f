import { workerd } from './launchers/workerd.js';
import { runtimeScenarios } from './scenarios.js';

runtimeScenarios(workerd);
