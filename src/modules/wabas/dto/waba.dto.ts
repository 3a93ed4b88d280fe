import { ApiProperty } from '@nestjs/swagger';
import { PhoneNumber } from '../../phone-numbers/phone-number.entity';
import { Waba } from '../waba.entity';

export class WabaPhoneNumberSummaryDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: '106540352242922' }) metaPhoneNumberId!: string;
  @ApiProperty({ example: '+1 555-010-4477' }) displayPhoneNumber!: string;
}

export class WabaDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: '102290129340398' }) metaWabaId!: string;
  @ApiProperty({ type: String, nullable: true, example: 'Acme Support' }) name!: string | null;
  @ApiProperty({ enum: ['live', 'test'], enumName: 'Mode' }) mode!: 'live' | 'test';
  @ApiProperty({ description: "Test mode's built-in sandbox WABA, created with the organization." })
  isSandbox!: boolean;
  @ApiProperty({ enum: ['connected', 'disconnected'], enumName: 'WabaStatus' }) status!: 'connected' | 'disconnected';
  @ApiProperty({ type: String, nullable: true, example: 'USD' }) currency!: string | null;
  @ApiProperty({ type: String, nullable: true }) timezoneId!: string | null;
  @ApiProperty({ type: String, nullable: true }) messageTemplateNamespace!: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'APPROVED' }) accountReviewStatus!: string | null;
  @ApiProperty({ type: [WabaPhoneNumberSummaryDto] }) phoneNumbers!: WabaPhoneNumberSummaryDto[];
  @ApiProperty({ format: 'date-time' }) connectedAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) disconnectedAt!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;

  static from(waba: Waba, phones: PhoneNumber[]): WabaDto {
    return {
      id: waba.id,
      metaWabaId: waba.metaWabaId,
      name: waba.name,
      mode: waba.livemode ? 'live' : 'test',
      isSandbox: waba.isSandbox,
      status: waba.disconnectedAt ? 'disconnected' : 'connected',
      currency: waba.currency,
      timezoneId: waba.timezoneId,
      messageTemplateNamespace: waba.messageTemplateNamespace,
      accountReviewStatus: waba.accountReviewStatus,
      phoneNumbers: phones.map((phone) => ({
        id: phone.id,
        metaPhoneNumberId: phone.metaPhoneNumberId,
        displayPhoneNumber: phone.displayPhoneNumber,
      })),
      connectedAt: waba.connectedAt.toISOString(),
      disconnectedAt: waba.disconnectedAt?.toISOString() ?? null,
      createdAt: waba.createdAt.toISOString(),
    };
  }
}
