import { ApiProperty } from '@nestjs/swagger';
import { PhoneNumber } from '../phone-number.entity';

/** Meta's per-number throughput: 80 messages/s by default, 1,000 at the top tier. */
export function messagesPerSecond(throughputLevel: string | null): number {
  return throughputLevel?.toUpperCase() === 'HIGH' ? 1000 : 80;
}

const iso = (date: Date | null) => date?.toISOString() ?? null;

export class PhoneNumberDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) wabaId!: string;
  @ApiProperty({ example: '106540352242922' }) metaPhoneNumberId!: string;
  @ApiProperty({ example: '+1 555-010-4477' }) displayPhoneNumber!: string;
  @ApiProperty({ type: String, nullable: true, example: 'Acme Support' }) verifiedName!: string | null;
  @ApiProperty({ enum: ['live', 'test'], enumName: 'Mode' }) mode!: 'live' | 'test';
  @ApiProperty({ type: String, nullable: true, description: 'GREEN, YELLOW, RED or UNKNOWN', example: 'GREEN' })
  qualityRating!: string | null;
  @ApiProperty({ type: String, nullable: true, description: "Meta's messaging limit tier", example: 'TIER_2K' })
  messagingLimitTier!: string | null;
  @ApiProperty({ type: String, nullable: true, description: "Meta's throughput level", example: 'STANDARD' })
  throughputLevel!: string | null;
  @ApiProperty({ type: 'integer', description: 'Messages per second Meta accepts from this number.', example: 80 })
  throughputPerSecond!: number;
  @ApiProperty({ enum: ['registered', 'not_registered'], enumName: 'RegistrationState' })
  registrationState!: 'registered' | 'not_registered';
  @ApiProperty({ type: String, nullable: true, description: "Meta's status (CONNECTED when registered)" })
  metaStatus!: string | null;
  @ApiProperty({ type: String, nullable: true }) codeVerificationStatus!: string | null;
  @ApiProperty({ type: String, nullable: true }) nameStatus!: string | null;
  @ApiProperty({ enum: ['active', 'disconnected'], enumName: 'PhoneNumberStatus' }) status!: 'active' | 'disconnected';
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'When this snapshot was read from Meta',
  })
  lastSyncedAt!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;

  static from(phone: PhoneNumber): PhoneNumberDto {
    return {
      id: phone.id,
      wabaId: phone.wabaId,
      metaPhoneNumberId: phone.metaPhoneNumberId,
      displayPhoneNumber: phone.displayPhoneNumber,
      verifiedName: phone.verifiedName,
      mode: phone.livemode ? 'live' : 'test',
      qualityRating: phone.qualityRating,
      messagingLimitTier: phone.messagingLimitTier,
      throughputLevel: phone.throughputLevel,
      throughputPerSecond: messagesPerSecond(phone.throughputLevel),
      registrationState: phone.metaStatus?.toUpperCase() === 'CONNECTED' ? 'registered' : 'not_registered',
      metaStatus: phone.metaStatus,
      codeVerificationStatus: phone.codeVerificationStatus,
      nameStatus: phone.nameStatus,
      status: phone.disconnectedAt ? 'disconnected' : 'active',
      lastSyncedAt: iso(phone.lastSyncedAt),
      createdAt: phone.createdAt.toISOString(),
    };
  }
}
