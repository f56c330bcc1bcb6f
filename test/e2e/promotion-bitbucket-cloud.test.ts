import { bitbucketCloudScenario } from './scm/bitbucket-cloud.js';
import { promotionSuite } from './scm/promotion-suite.js';

promotionSuite('Bitbucket Cloud', () => bitbucketCloudScenario());
