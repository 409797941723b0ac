// Consumer-group calls: FindCoordinator (10), JoinGroup (11), Heartbeat (12), LeaveGroup (13), SyncGroup (14).
import { array, field, message } from '../message-spec.js';

export const FIND_COORDINATOR_REQUEST = message('FindCoordinatorRequest', 10, '0-6', '3+', [
  field('key', 'string', '0-3'),
  field('keyType', 'int8', '1+'),
  array('coordinatorKeys', 'string', '4+'),
]);

export const FIND_COORDINATOR_RESPONSE = message('FindCoordinatorResponse', 10, '0-6', '3+', [
  field('throttleTimeMs', 'int32', '1+'),
  field('errorCode', 'int16', '0-3'),
  field('errorMessage', 'string', '1-3', { nullable: '1-3' }),
  field('nodeId', 'int32', '0-3'),
  field('host', 'string', '0-3'),
  field('port', 'int32', '0-3'),
  array(
    'coordinators',
    [
      field('key', 'string', '4+'),
      field('nodeId', 'int32', '4+'),
      field('host', 'string', '4+'),
      field('port', 'int32', '4+'),
      field('errorCode', 'int16', '4+'),
      field('errorMessage', 'string', '4+', { nullable: '4+' }),
    ],
    '4+',
  ),
]);

export const JOIN_GROUP_REQUEST = message('JoinGroupRequest', 11, '0-9', '6+', [
  field('groupId', 'string', '0+'),
  field('sessionTimeoutMs', 'int32', '0+'),
  field('rebalanceTimeoutMs', 'int32', '1+', { default: -1 }),
  field('memberId', 'string', '0+'),
  field('groupInstanceId', 'string', '5+', { nullable: '5+' }),
  field('protocolType', 'string', '0+'),
  array('protocols', [field('name', 'string', '0+'), field('metadata', 'bytes', '0+')], '0+'),
  field('reason', 'string', '8+', { nullable: '8+' }),
]);

export const JOIN_GROUP_RESPONSE = message('JoinGroupResponse', 11, '0-9', '6+', [
  field('throttleTimeMs', 'int32', '2+'),
  field('errorCode', 'int16', '0+'),
  field('generationId', 'int32', '0+', { default: -1 }),
  field('protocolType', 'string', '7+', { nullable: '7+' }),
  field('protocolName', 'string', '0+', { nullable: '7+' }),
  field('leader', 'string', '0+'),
  field('skipAssignment', 'bool', '9+'),
  field('memberId', 'string', '0+'),
  array(
    'members',
    [
      field('memberId', 'string', '0+'),
      field('groupInstanceId', 'string', '5+', { nullable: '5+' }),
      field('metadata', 'bytes', '0+'),
    ],
    '0+',
  ),
]);

export const HEARTBEAT_REQUEST = message('HeartbeatRequest', 12, '0-4', '4+', [
  field('groupId', 'string', '0+'),
  field('generationId', 'int32', '0+'),
  field('memberId', 'string', '0+'),
  field('groupInstanceId', 'string', '3+', { nullable: '3+' }),
]);

export const HEARTBEAT_RESPONSE = message('HeartbeatResponse', 12, '0-4', '4+', [
  field('throttleTimeMs', 'int32', '1+'),
  field('errorCode', 'int16', '0+'),
]);

export const LEAVE_GROUP_REQUEST = message('LeaveGroupRequest', 13, '0-5', '4+', [
  field('groupId', 'string', '0+'),
  field('memberId', 'string', '0-2'),
  array(
    'members',
    [
      field('memberId', 'string', '3+'),
      field('groupInstanceId', 'string', '3+', { nullable: '3+' }),
      field('reason', 'string', '5+', { nullable: '5+' }),
    ],
    '3+',
  ),
]);

export const LEAVE_GROUP_RESPONSE = message('LeaveGroupResponse', 13, '0-5', '4+', [
  field('throttleTimeMs', 'int32', '1+'),
  field('errorCode', 'int16', '0+'),
  array(
    'members',
    [
      field('memberId', 'string', '3+'),
      field('groupInstanceId', 'string', '3+', { nullable: '3+' }),
      field('errorCode', 'int16', '3+'),
    ],
    '3+',
  ),
]);

export const SYNC_GROUP_REQUEST = message('SyncGroupRequest', 14, '0-5', '4+', [
  field('groupId', 'string', '0+'),
  field('generationId', 'int32', '0+'),
  field('memberId', 'string', '0+'),
  field('groupInstanceId', 'string', '3+', { nullable: '3+' }),
  field('protocolType', 'string', '5+', { nullable: '5+' }),
  field('protocolName', 'string', '5+', { nullable: '5+' }),
  array('assignments', [field('memberId', 'string', '0+'), field('assignment', 'bytes', '0+')], '0+'),
]);

export const SYNC_GROUP_RESPONSE = message('SyncGroupResponse', 14, '0-5', '4+', [
  field('throttleTimeMs', 'int32', '1+'),
  field('errorCode', 'int16', '0+'),
  field('protocolType', 'string', '5+', { nullable: '5+' }),
  field('protocolName', 'string', '5+', { nullable: '5+' }),
  field('assignment', 'bytes', '0+'),
]);
