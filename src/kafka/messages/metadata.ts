// Metadata (API key 3): request and response layouts, versions 0-12.
import { array, field, message } from '../message-spec.js';

export const METADATA_REQUEST = message('MetadataRequest', 3, '0-12', '9+', [
  array(
    'topics',
    [field('topicId', 'uuid', '10+'), field('name', 'string', '0+', { nullable: '10+' })],
    '0+',
    {
      nullable: '1+',
    },
  ),
  field('allowAutoTopicCreation', 'bool', '4+', { default: true }),
  field('includeClusterAuthorizedOperations', 'bool', '8-10'),
  field('includeTopicAuthorizedOperations', 'bool', '8+'),
]);

export const METADATA_RESPONSE = message('MetadataResponse', 3, '0-12', '9+', [
  field('throttleTimeMs', 'int32', '3+'),
  array(
    'brokers',
    [
      field('nodeId', 'int32', '0+'),
      field('host', 'string', '0+'),
      field('port', 'int32', '0+'),
      field('rack', 'string', '1+', { nullable: '1+' }),
    ],
    '0+',
  ),
  field('clusterId', 'string', '2+', { nullable: '2+' }),
  field('controllerId', 'int32', '1+', { default: -1 }),
  array(
    'topics',
    [
      field('errorCode', 'int16', '0+'),
      field('name', 'string', '0+', { nullable: '12+' }),
      field('topicId', 'uuid', '10+'),
      field('isInternal', 'bool', '1+'),
      array(
        'partitions',
        [
          field('errorCode', 'int16', '0+'),
          field('partitionIndex', 'int32', '0+'),
          field('leaderId', 'int32', '0+'),
          field('leaderEpoch', 'int32', '7+', { default: -1 }),
          array('replicaNodes', 'int32', '0+'),
          array('isrNodes', 'int32', '0+'),
          array('offlineReplicas', 'int32', '5+'),
        ],
        '0+',
      ),
      field('topicAuthorizedOperations', 'int32', '8+', { default: -2147483648 }),
    ],
    '0+',
  ),
  field('clusterAuthorizedOperations', 'int32', '8-10', { default: -2147483648 }),
]);
