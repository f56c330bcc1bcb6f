import { gitlabScenario } from './scm/gitlab.js';
import { scmSuite } from './scm/suite.js';

scmSuite('GitLab', () => gitlabScenario());
