import { bitbucketServerScenario } from './scm/bitbucket-server.js';
import { promotionSuite } from './scm/promotion-suite.js';

promotionSuite('Bitbucket Server', () => bitbucketServerScenario());
