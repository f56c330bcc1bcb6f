import { gitScenario } from './scm/git.js';
import { scmSuite } from './scm/suite.js';

scmSuite('Plain git host', () => gitScenario());
