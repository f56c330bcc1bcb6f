import { bitbucketServerScenario } from './scm/bitbucket-server.js';
import { scmSuite } from './scm/suite.js';

scmSuite('Bitbucket Server', () => bitbucketServerScenario());
