import { bitbucketCloudScenario } from './scm/bitbucket-cloud.js';
import { scmSuite } from './scm/suite.js';

scmSuite('Bitbucket Cloud', () => bitbucketCloudScenario());
