import { githubScenario } from './scm/github.js';
import { scmSuite } from './scm/suite.js';

scmSuite('GitHub', () => githubScenario());
