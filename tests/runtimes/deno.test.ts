import { deno } from './launchers/deno.js';
import { runtimeScenarios } from './scenarios.js';

runtimeScenarios(deno);
